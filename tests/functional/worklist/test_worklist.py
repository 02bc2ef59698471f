"""Mijn patiënten in het ziekenhuis: the demo GP's own patients, every kind of event, audited
per patient shown, opened through the normal flow, "new" per provider sitting."""
from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone

from sqlalchemy import select, update

from portal.access.decision import ProviderFacts
from portal.audit.models import AuditRecord
from portal.clock import HospitalClock
from portal.worklist import events as ev
from portal.worklist.models import WorklistView
from support.screens import csrf, text

PATH = "/patient-zoeken/mijn-patienten"


def _kinds(html: str) -> list[str]:
    return re.findall(r'<tr data-kind="([a-z]+)"', html)


def _all_pages(client, query: str = "") -> str:
    first = client.get(f"{PATH}?{query}").get_data(as_text=True)
    pages = [first]
    for number in sorted({int(n) for n in re.findall(r"pagina=(\d+)", first)} - {1}):
        pages.append(client.get(f"{PATH}?{query}&pagina={number}").get_data(as_text=True))
    return "".join(pages)


def _expected(app, demo) -> list[ev.Event]:
    """What the page must show, from the connector and the access rule directly."""
    clock = HospitalClock(app.extensions["portal.tenant"].timezone)
    facts = ProviderFacts(agb_code=demo.gp_agb, practice_agb=demo.practice_agb)
    return ev.collect(app.extensions["portal.connector"], facts, clock,
                      datetime.now(timezone.utc) - timedelta(days=ev.FIRST_LOOK_DAYS))


def test_the_demo_gp_sees_every_kind_of_event_of_their_own_patients_only(gp, demo, app):
    expected = _expected(app, demo)
    assert {e.kind for e in expected} == set(ev.EventKind), "the demo EPD must give the GP every kind of event"
    html = _all_pages(gp)
    assert "<h1>Mijn patiënten in het ziekenhuis</h1>" in html
    assert sorted(_kinds(html)) == sorted(e.kind.value for e in expected)
    page = " ".join(html.split())
    assert "Ontslagbrief beschikbaar" in page and "Open ontslagbrief" in page
    assert "Ontslagbrief nog niet beschikbaar (meer dan 24 uur na ontslag)" in page
    assert "Nieuw radiologieverslag" in page and "Nieuwe brief" in page
    mine = {p.patient_id for p in demo.mine}
    strangers = [s for s in demo.strangers if s.patient_id not in mine]
    for event in expected:
        assert event.patient.consent and event.decision.grounds in ev.OWN_GROUNDS
    cells = r"<td>([^<]+?)(?: <span class=\"tag\">overleden</span>)?</td>\s*<td>(\d\d-\d\d-\d{4})</td>"
    shown_names = set(re.findall(cells, html))
    for stranger in strangers:
        assert (stranger.display_name, stranger.birth_date.strftime("%d-%m-%Y")) not in shown_names


def test_newest_first_and_filters(gp, demo, app):
    html = gp.get(PATH).get_data(as_text=True)
    moments = [datetime.strptime(m, "%d-%m-%Y %H:%M")
               for m in re.findall(r'<tr data-kind="[a-z]+">\s*<td>([0-9: -]+)</td>', html)]
    assert moments and moments == sorted(moments, reverse=True)
    for kind in ev.EventKind:
        kinds = set(_kinds(gp.get(f"{PATH}?soort={kind.value}").get_data(as_text=True)))
        assert kinds == {kind.value}, kind


def test_the_list_is_audited_per_patient_on_the_page(gp, app, platform):
    tenant_id = app.extensions["portal.tenant"].id
    html = gp.get(PATH).get_data(as_text=True)
    shown = len(set(re.findall(r'action="/patient/kiezen">\s*<input[^>]+>\s*<input type="hidden" name="patient" '
                               r'value="([^"]+)"', html)))
    with platform.database.session() as db:
        head = db.execute(select(AuditRecord).where(AuditRecord.tenant_id == tenant_id, AuditRecord.action == "search")
                          .order_by(AuditRecord.seq.desc()).limit(1)).scalar_one()
        listed = db.execute(select(AuditRecord).where(AuditRecord.tenant_id == tenant_id,
                                                      AuditRecord.seq > head.seq)).scalars().all()
    assert json.loads(head.details)["list"] == "Mijn patiënten in het ziekenhuis"
    assert shown > 0 and len(listed) == shown
    assert all(r.action == "listed" and r.patient_number for r in listed)


def test_no_patient_identifier_in_any_link(gp, demo, app):
    html = _all_pages(gp) + gp.get(f"{PATH}?afdrukken=1").get_data(as_text=True)
    urls = re.findall(r'(?:href|action)="([^"]*)"', html)
    identifiers = {v for e in _expected(app, demo) for v in (e.patient.bsn, e.patient.patient_number) if v}
    assert urls and identifiers
    assert not [value for value in identifiers if any(value in url for url in urls)]


def test_a_rows_discharge_letter_opens_through_the_access_flow(gp, app, platform):
    tenant_id = app.extensions["portal.tenant"].id
    html = gp.get(f"{PATH}?soort=ontslagen").get_data(as_text=True)
    form = re.search(r'action="/patient-zoeken/mijn-patienten/openen">.*?name="patient" value="([^"]+)".*?'
                     r'name="item" value="([^"]+)"', html, flags=re.S)
    assert form, "a discharge with its letter"
    response = gp.post(f"{PATH}/openen", data={"csrf_token": csrf(gp), "patient": form[1], "item": form[2]})
    assert response.status_code == 302 and "/brieven/" in response.location and "patient_context=" in response.location
    letter = gp.get(response.location)
    assert letter.status_code == 200 and "Ontslagbrief" in text(letter)
    with platform.database.session() as db:
        recent = db.execute(select(AuditRecord.action, AuditRecord.data).where(AuditRecord.tenant_id == tenant_id)
                            .order_by(AuditRecord.seq.desc()).limit(2)).all()
    assert recent[0].data.startswith("Brief ") and recent[1].data == "Patiëntselectie"
    # A token of another list, or an item token with another row's patient, opens nothing.
    again = gp.post(f"{PATH}/openen", data={"csrf_token": csrf(gp), "patient": "forged", "item": form[2]})
    assert again.status_code == 302 and again.location.endswith(PATH)


def test_new_documents_stay_new_within_a_sitting_and_not_after(gp, app, platform):
    documents = _kinds(gp.get(f"{PATH}?soort=documenten").get_data(as_text=True))
    assert documents
    assert _kinds(gp.get(f"{PATH}?soort=documenten").get_data(as_text=True)) == documents  # same sitting
    with platform.database.session() as db:
        db.execute(update(WorklistView).values(looked_at=datetime.now(timezone.utc) - timedelta(hours=2)))
    assert "Nieuwe brief" not in text(gp.get(f"{PATH}?soort=documenten"))  # a new sitting: seen before


def test_the_print_version_shows_every_row_without_buttons(gp):
    page = gp.get(f"{PATH}?afdrukken=1").get_data(as_text=True)
    assert "Afgedrukt op" in page and "Kies deze patiënt" not in page
    assert len(_kinds(page)) == len(_kinds(_all_pages(gp)))


def test_the_menu_offers_it_under_patient_zoeken(gp):
    html = gp.get("/").get_data(as_text=True)
    assert f'href="{PATH}"' in html
