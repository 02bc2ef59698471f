"""Zorgmomenten (manual 2.3) per tenant, against the demo EPD."""
from __future__ import annotations

import re
from datetime import datetime

import pytest

from support.screens import epd_down, open_patient, text

PAGES = {
    "/zorgmomenten/afspraken": ("Afspraken", "toekomstige afspraken en afspraken die hebben plaatsgevonden"),
    "/zorgmomenten/operaties": ("Operatieoverzicht", "Pas als de patiënt is opgeroepen, wordt deze getoond."),
    "/zorgmomenten/opnames": ("Opnameoverzicht", "toekomstige opnames en opnames die hebben plaatsgevonden"),
    "/zorgmomenten/seh-registraties": ("SEH-registraties", "overzicht van de SEH-bezoek(en) en de registratie"),
    "/zorgmomenten/verwijzingen": ("Verwijzingen", "informatie over openstaande verwijzingen"),
}
DATE = re.compile(r"<td>(\d{2})-(\d{2})-(\d{4})(?: (\d{2}):(\d{2}))?</td>")


def _section(html: str, section_id: str) -> str:
    start = html.index(f'aria-labelledby="{section_id}"')
    end = html.find("</section>", start)
    return html[start:end]


def _first_dates(section: str) -> list[datetime]:
    """The first date cell of each table row, in page order."""
    found = []
    for row in re.findall(r"<tr>(.*?)</tr>", section, flags=re.S)[1:]:
        match = DATE.search(row)
        if match:
            d, m, y, hh, mm = match.groups()
            found.append(datetime(int(y), int(m), int(d), int(hh or 0), int(mm or 0)))
    return found


def test_the_overview_asks_which_page(gp):
    html = text(gp.get("/zorgmomenten"))
    assert "Naar welke pagina bent u op zoek?" in html
    for path, (title, _) in PAGES.items():
        assert f'href="{path}"' in html and title in html
    assert "Geen patiënt geselecteerd" in html


@pytest.mark.parametrize("path", PAGES)
def test_every_page_has_its_title_and_the_manuals_sentence(gp, demo, path):
    open_patient(gp, demo.patient)
    response = gp.get(path)
    assert response.status_code == 200
    title, sentence = PAGES[path]
    html = text(response)
    assert f"<h1>{title}</h1>" in html and sentence in html


@pytest.mark.parametrize("path", PAGES)
def test_pages_need_a_selected_patient(gp, path):
    response = gp.get(path)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert ("Geen patiënt geselecteerd" in html and 'href="/patient-zoeken"' in html
            and 'href="/patient-zoeken/recente"' in html)


def test_appointments_upcoming_first_then_newest_first(gp, demo, app):
    connector = app.extensions["portal.connector"]
    now = datetime.now()
    patient = max(demo.mine, key=lambda p: min(sum(a.start >= now for a in connector.list_appointments(p.patient_id)),
                                               sum(a.start < now for a in connector.list_appointments(p.patient_id))))
    appointments = connector.list_appointments(patient.patient_id)
    open_patient(gp, patient)
    html = gp.get("/zorgmomenten/afspraken").get_data(as_text=True)
    future, past = _first_dates(_section(html, "future")), _first_dates(_section(html, "past"))
    assert len(future) >= 1 and len(past) >= 1, "pick a demo patient with appointments on both sides of today"
    assert future == sorted(future) and past == sorted(past, reverse=True)
    assert max(past) < min(future)
    coming = [a for a in appointments if a.start >= datetime.now()]
    assert len(future) == min(10, len(coming)) and len(past) == min(25, len(appointments) - len(coming))


def test_admissions_and_emergency_registrations_in_order(gp, demo, app):
    connector = app.extensions["portal.connector"]
    patient = max(demo.mine[:10], key=lambda p: len(connector.list_admissions(p.patient_id)) +
                  len(connector.list_emergency_registrations(p.patient_id)))
    open_patient(gp, patient)
    html = gp.get("/zorgmomenten/opnames").get_data(as_text=True)
    future, past = _first_dates(_section(html, "future")), _first_dates(_section(html, "past"))
    assert future == sorted(future) and past == sorted(past, reverse=True)
    assert len(future) + len(past) == len(connector.list_admissions(patient.patient_id))
    html = gp.get("/zorgmomenten/seh-registraties").get_data(as_text=True)
    visits = _first_dates(_section(html, "visits"))
    assert visits == sorted(visits, reverse=True)
    assert len(visits) == min(25, len(connector.list_emergency_registrations(patient.patient_id)))


def test_operations_only_once_called_and_referrals_open(gp, demo, app):
    connector = app.extensions["portal.connector"]
    patient = max(demo.mine, key=lambda p: len(connector.list_operations(p.patient_id)))
    operations = connector.list_operations(patient.patient_id)
    open_patient(gp, patient)
    html = text(gp.get("/zorgmomenten/operaties"))
    for op in operations:
        assert op.called_on.strftime("%d-%m-%Y") in html or op.status.value == "post_operative"
    assert ("Er zijn geen toekomstige operaties." in html) == (not any(
        o.status.value != "post_operative" for o in operations))
    html = text(gp.get("/zorgmomenten/verwijzingen"))
    referrals = connector.list_referrals(patient.patient_id)
    if referrals:
        assert all(r.referrer_name in html for r in referrals)
    else:
        assert "Er zijn geen openstaande verwijzingen." in html


def test_empty_lists_say_so_in_dutch(gp, demo, app):
    connector = app.extensions["portal.connector"]
    patient = next(p for p in demo.mine if not connector.list_referrals(p.patient_id))
    open_patient(gp, patient)
    assert "Er zijn geen openstaande verwijzingen." in text(gp.get("/zorgmomenten/verwijzingen"))


def test_an_epd_outage_shows_a_dutch_message(gp, demo, app, monkeypatch):
    open_patient(gp, demo.patient)
    epd_down(monkeypatch, app.extensions["portal.connector"], "list_appointments")
    response = gp.get("/zorgmomenten/afspraken")
    assert response.status_code == 200
    assert "Deze gegevens zijn op dit moment niet beschikbaar." in text(response)
