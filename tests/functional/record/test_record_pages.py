"""Dossier (manual 2.4) per tenant, against the demo EPD's generated data."""
from __future__ import annotations

import re
from datetime import date, datetime

from markupsafe import escape

from portal.core.navigation import find
from portal.record.pages import PAGES
from support.demo_epd import add_record, last_audit_record

DOSSIER = find("record.index")
GROUPS = ["Medische gegevens", "Rapporten", "Verpleegkundig dossier", "Overig"]


def _html(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response.get_data(as_text=True)


def test_overview_is_the_manuals_table_of_four_groups(patient_client):
    html = _html(patient_client, "/dossier/")
    assert re.findall(r'<th scope="col">([^<]+)</th>', html) == GROUPS
    links = re.findall(r'<td><a href="(/dossier/[^"]+)">([^<]+)</a></td>', html)
    assert sorted(label for _, label in links) == sorted(item.label for item in DOSSIER.children)
    # The table reads by row; the first row holds the first item of each group.
    first_row = html.split("<tbody>")[1].split("</tr>")[0]
    assert [label for _, label in re.findall(r'href="([^"]+)">([^<]+)<', first_row)] == [
        "Allergieën", "Behandelverslagen", "Problemen, doelen en scores", "Advies voor eten en drinken"]


def test_every_item_is_its_own_page_with_the_manuals_words(patient_client):
    for page in PAGES:
        item = next(i for i in DOSSIER.children if i.endpoint == f"record.{page.endpoint}")
        html = _html(patient_client, f"/dossier/{page.path}")
        assert f"<h1>{escape(item.label)}</h1>" in html
        if page.intro:
            assert escape(page.intro) in html
        assert f"Dossier</a> › {item.group}" in html


def test_dossier_items_are_children_in_the_navigation(patient_client):
    html = _html(patient_client, "/dossier/allergieen")
    # The manual's four groups, in its order, each holding its items: once as rows (a tablet
    # or wider) and once in the compact disclosure of a phone (portal.css shows one of them).
    wide = html.split('<ul class="sub-nav" aria-label="Dossier">')[1].split('<details class="sub-nav-compact">')[0]
    compact = html.split('<details class="sub-nav-compact">')[1].split("</details>")[0]
    assert re.findall(r'<span class="sub-nav-group">([^<]+)</span>', wide) == GROUPS
    assert re.findall(r'<p class="sub-nav-group">([^<]+)</p>', compact) == GROUPS
    assert "<summary>Dossier: Allergieën</summary>" in compact
    for sub_nav in (wide, compact):
        assert 'href="/dossier/allergieen" aria-current="page"' in sub_nav
        assert len(re.findall(r'<a href="/dossier/', sub_nav)) == len(DOSSIER.children) == 20
        sections = re.split(r'class="sub-nav-group"', sub_nav)[1:]
        for group, section in zip(GROUPS, sections, strict=True):
            labels = re.findall(r'<a href="/dossier/[^"]+"(?: aria-current="page")?>([^<]+)</a>', section)
            assert labels == [escape(i.label) for i in DOSSIER.children if i.group == group]


def test_table_pages_show_the_epds_items(patient_client, connector, demo_patient):
    # The generator gives the rich patient advice but no agreement on eating and drinking.
    add_record(connector, demo_patient.patient_id, "nutrition", {
        "kind": "agreement", "description": "Vochtbeperking 1,5 liter per dag", "start": date.today(), "end": None,
        "author": "Diëtist Test"}, datetime.now())
    for page in (p for p in PAGES if p.template == "record/table.html"):
        items = [i for i in getattr(connector, page.method)(demo_patient.patient_id) if not page.keep or page.keep(i)]
        assert items, f"the rich demo patient has no {page.method}"
        html = _html(patient_client, f"/dossier/{page.path}")
        rows = html.split("<tbody>")[1].split("</tbody>")[0].count("<tr>")
        assert rows == min(len(items), 25), page.endpoint
        for column in page.columns:
            assert f"<td>{escape(column.value(items[0]))}</td>" in html, (page.endpoint, column.heading)


def test_diagnoses_show_their_status_in_dutch(patient_client, connector, demo_patient):
    html = _html(patient_client, "/dossier/diagnoses")
    statuses = {"working": "Werkdiagnose", "confirmed": "Definitief", "differential": "Differentiaaldiagnose",
                "resolved": "Niet meer actueel", "refuted": "Vervallen"}
    for diagnosis in connector.list_diagnoses(demo_patient.patient_id):
        assert f"<td>{statuses[diagnosis.status.value]}</td>" in html


def test_medication_in_the_manuals_six_categories(patient_client, connector, demo_patient):
    html = _html(patient_client, "/dossier/medicatie")
    headings = re.findall(r'<h2 id="cat-([a-z_]+)">([^<]+)</h2>', html)
    assert [label for _, label in headings] == [
        "Actieve thuismedicatie", "Actieve klinische medicatie", "Geplande medicatie", "Gestopte medicatie",
        "Beëindigde medicatie", "Tot nader order gestopte medicatie"]
    blocks = dict(zip([key for key, _ in headings], re.split(r'<h2 id="cat-[a-z_]+">', html)[1:]))
    medication = connector.list_medication(demo_patient.patient_id)
    assert medication
    for med in medication:
        assert f"<td>{escape(med.name)}</td>" in blocks[med.category.value]


def test_reports_show_their_sections(patient_client, connector, demo_patient):
    for path, method in (("behandelverslagen", "list_treatment_reports"),
                         ("verpleegkundige-verslagen", "list_nursing_reports"),
                         ("mdo", "list_mdo_reports")):
        html = _html(patient_client, f"/dossier/{path}")
        report = getattr(connector, method)(demo_patient.patient_id)[0]
        assert escape(report.title) in html
        for section in report.sections:
            assert f"<dt>{escape(section.heading)}</dt><dd>{escape(section.text)}</dd>" in html


def test_nursing_problems_show_nanda_noc_and_scores(patient_client, connector, demo_patient):
    html = _html(patient_client, "/dossier/problemen-doelen-en-scores")
    problem = connector.list_nursing_problems(demo_patient.patient_id)[0]
    assert f"(NANDA {problem.nanda_code})" in html
    outcome = problem.outcomes[0]
    assert f"<td>{outcome.noc_code}</td><td>{escape(outcome.outcome)}</td><td>{outcome.baseline_score}</td>" in html
    assert "Nanda NOC NIC methodologie" in html


def test_view_is_audited_with_the_page(patient_client, platform, app):
    _html(patient_client, "/dossier/allergieen")
    last = last_audit_record(platform, app.extensions["portal.tenant"].id)
    assert (last.action, last.outcome, last.data) == ("view", "success", "Allergieën")


def test_pages_need_a_selected_patient(client, login_as, demo_epds):
    login_as(client, {})
    response = client.get("/dossier/allergieen")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert ("Geen patiënt geselecteerd" in html and 'href="/patient-zoeken"' in html
            and 'href="/patient-zoeken/recente"' in html)


def test_a_provider_without_relation_is_refused(client, login_as, demo_patient):
    from portal.access import guard

    login_as(client, {})  # a GP with no relation to the patient
    with client.session_transaction(base_url=f"http://{client.host}") as session:
        session[guard.SELECTED] = demo_patient.patient_id
    response = client.get("/dossier/medicatie")
    assert response.status_code == 403
    assert "Metoprolol" not in response.get_data(as_text=True)
