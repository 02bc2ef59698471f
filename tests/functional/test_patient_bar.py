"""The patient bar under the navigation (issue 16): on every patient page of each tenant, the
patient's name as they use it (naamgebruik), birth date with age, sex, BSN as 1234.56.789
and patient number, with "Afdrukken"; "Geen patiënt geselecteerd" when nobody is selected."""
from __future__ import annotations

import re
from datetime import date

from markupsafe import escape

from portal.access.guard import MARK, SELECTED
from portal.epd.models import NameUsage, PatientSummary
from support.screens import open_patient

BAR = re.compile(r'<section class="patient-bar".*?</section>', re.S)
NAME = re.compile(r'id="patient-bar-name"[^>]*>(.*?)</p>', re.S)


def bar_of(html: str) -> str:
    """The patient bar's markup, or "" when the page has none."""
    match = BAR.search(html)
    return match.group(0) if match else ""


def plain(markup: str) -> str:
    """Text of ``markup``: tags dropped, whitespace collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", markup).split())


def name_as_used(p: PatientSummary) -> str:
    """Initials and surname per naamgebruik, written out here rather than taken from the model."""
    own = " ".join(x for x in (p.birth_name_prefix, p.birth_name) if x)
    partner = " ".join(x for x in (p.partner_name_prefix, p.partner_name) if x)
    surname = own if not partner else {NameUsage.OWN: own, NameUsage.PARTNER: partner,
                                       NameUsage.PARTNER_OWN: f"{partner}-{own}",
                                       NameUsage.OWN_PARTNER: f"{own}-{partner}"}[p.name_usage]
    return f"{p.initials} {surname}"


def years_on(born: date, today: date) -> int:
    return today.year - born.year - (1 if (today.month, today.day) < (born.month, born.day) else 0)


def bsn_dotted(bsn: str) -> str:
    return f"{bsn[:4]}.{bsn[4:6]}.{bsn[6:]}"


def patient_page_urls(app) -> list[str]:
    """Every patient page of the tenant without path arguments (the guard's routes for the
    selected patient), e.g. /patientinformatie, /dossier/, /uitslagen/lab."""
    urls = []
    for rule in app.url_map.iter_rules():
        route = getattr(app.view_functions[rule.endpoint], MARK, None)
        if route is not None and route.source == SELECTED and "GET" in rule.methods and not rule.arguments:
            urls.append(rule.rule)
    return sorted(urls)


def test_the_bar_names_the_patient_on_every_patient_page(gp, demo, app):
    patient = demo.with_partner
    open_patient(gp, patient)
    urls = patient_page_urls(app)
    assert {"/patientinformatie", "/dossier/", "/uitslagen/lab"} <= set(urls)
    age = years_on(patient.birth_date, date.today())
    expected = [name_as_used(patient), f"Geboren {patient.birth_date:%d-%m-%Y} ({age} jaar)",
                f"Geslacht {dict(male='Man', female='Vrouw', other='Anders').get(patient.sex.value, 'Onbekend')}",
                f"BSN {bsn_dotted(patient.bsn)}", f"Patiëntnummer {patient.patient_number}"]
    for url in urls:
        response = gp.get(url)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue  # e.g. a graph page that needs its query
        html = response.get_data(as_text=True)
        bar = plain(bar_of(html))
        for value in expected:
            assert str(escape(value)) in bar or value in bar, (url, value, bar)
        assert "Afdrukken" in bar, url
        assert 'name="csrf-token"' in html and "/static/print.js" in html, url


def test_the_name_follows_the_patients_naamgebruik(gp, demo, app):
    """Every naamgebruik among the GP's patients with a partner name is shown as the patient uses it."""
    connector = app.extensions["portal.connector"]
    by_usage = {}
    for p in demo.mine:
        if p.partner_name and p.name_usage not in by_usage:
            by_usage[p.name_usage] = p
    assert len(by_usage) >= 2, "the demo GP's patients should use more than one naamgebruik"
    for usage, patient in by_usage.items():
        open_patient(gp, patient)
        name = plain(NAME.search(bar_of(gp.get("/patientinformatie").get_data(as_text=True))).group(1))
        expected = name_as_used(connector.get_patient_summary(patient.patient_id))
        assert name.removeprefix("Patiënt: ").startswith(str(escape(expected))) or \
            name.removeprefix("Patiënt: ").startswith(expected), (usage, name, expected)


def test_the_bar_is_not_the_providers_name(gp, demo):
    open_patient(gp, demo.patient)
    html = gp.get("/patientinformatie").get_data(as_text=True)
    header = html.split("</header>")[0]
    assert "Dr. H. Demo" in header and demo.patient.patient_number not in header
    assert "Dr. H. Demo" not in bar_of(html)
    # Under the navigation, above the content.
    assert html.index("</nav>") < html.index('class="patient-bar"') < html.index("<main")


def test_pages_about_no_patient_show_the_bar_without_afdrukken(gp, demo):
    open_patient(gp, demo.patient)
    html = gp.get("/patient-zoeken").get_data(as_text=True)
    assert demo.patient.patient_number in plain(bar_of(html))
    assert "Afdrukken" not in html and "print.js" not in html and "patient-page" not in html


def test_without_a_selected_patient_the_bar_says_so(gp):
    html = gp.get("/").get_data(as_text=True)
    assert re.search(r'data-testid="patient-banner"[^>]*>\s*<p[^>]*>Geen patiënt geselecteerd</p>', html)
    assert "Afdrukken" not in html
