"""NEN 7513 completeness of lists and items: every patient a list shows is in that patient's
inzagelog; a request for an item that is not the patient's is a refused request, not a view;
"meer patiënten gevonden" counts only patients the provider may see."""
from __future__ import annotations

import json
from datetime import date

from sqlalchemy import select

from portal.audit import AuditWriteError
from portal.audit.inzagelog import access_log
from portal.audit.models import AuditRecord
from support.access import selected_context
from support.demo_epd import last_audit_record
from support.screens import choose_tokens, search, text


def test_every_patient_a_search_shows_is_in_their_inzagelog(gp, demo, app, platform):
    tenant_id = app.extensions["portal.tenant"].id
    patient = demo.mine[1]
    response = search(gp, bsn=patient.bsn)
    assert len(choose_tokens(response.get_data(as_text=True))) >= 1
    entries = access_log(platform.database, tenant_id, patient.bsn, date.today(), date.today())
    assert any(e.activity == "Getoond in lijst: Patiënt zoeken" for e in entries), [e.activity for e in entries]
    # A patient the GP may not see was not shown, and so is not in their inzagelog.
    stranger = demo.strangers[0]
    search(gp, bsn=stranger.bsn)
    assert not any("Getoond in lijst" in e.activity
                   for e in access_log(platform.database, tenant_id, stranger.bsn, date.today(), date.today()))


def test_an_overview_logs_each_patient_of_its_page(gp, app, platform):
    tenant_id = app.extensions["portal.tenant"].id
    html = gp.get("/patient-zoeken/klinische-patienten").get_data(as_text=True)
    shown = len(choose_tokens(html))
    with platform.database.session() as db:
        head = db.execute(select(AuditRecord).where(AuditRecord.tenant_id == tenant_id, AuditRecord.action == "search")
                          .order_by(AuditRecord.seq.desc()).limit(1)).scalar_one()
        listed = db.execute(select(AuditRecord).where(AuditRecord.tenant_id == tenant_id,
                                                      AuditRecord.seq > head.seq)).scalars().all()
    assert json.loads(head.details)["list"] == "Klinische patiënten"
    assert len(listed) == shown and all(r.action == "listed" and r.patient_number for r in listed)


def test_a_list_that_cannot_be_logged_is_not_shown(gp, demo, monkeypatch):
    def refuse(events, database=None):
        raise AuditWriteError("down")

    monkeypatch.setattr("portal.access.guard.record_all", refuse)
    response = search(gp, bsn=demo.patient.bsn)
    assert response.status_code == 503
    assert demo.patient.display_name not in response.get_data(as_text=True)
    assert choose_tokens(response.get_data(as_text=True)) == []


def test_an_unknown_or_foreign_item_is_a_refused_request(patient_client, connector, demo_patient, platform, app):
    tenant_id = app.extensions["portal.tenant"].id
    theirs = connector.list_letters(demo_patient.other_patient_id)[0]
    mine = selected_context(patient_client)
    for path in (f"/dossier/brieven/{theirs.id}", "/dossier/brieven/geen-brief", "/uitslagen/beelden/niets"):
        assert patient_client.get(path, query_string=mine).status_code == 404
        last = last_audit_record(platform, tenant_id)
        assert (last.action, last.outcome) == ("access_denied", "denied"), path
        assert json.loads(last.details)["refusal"] == "unknown_item"
    # Its own letter is a view, as before.
    own = connector.list_letters(demo_patient.patient_id)[0]
    assert patient_client.get(f"/dossier/brieven/{own.id}", query_string=mine).status_code == 200
    assert (last_audit_record(platform, tenant_id).action, last_audit_record(platform, tenant_id).data) == (
        "view", f"Brief {own.id}")


class _Crowded:
    """The real connector, whose search also finds many patients this GP may not see."""

    def __init__(self, real, strangers):
        self._real, self._strangers = real, strangers

    def __getattr__(self, name):
        return getattr(self._real, name)

    def search_patients(self, criteria, limit):
        return (list(self._strangers) + list(self._real.search_patients(criteria, limit=limit)))[:limit]


def test_more_found_counts_only_patients_the_provider_may_see(gp, demo, app, monkeypatch):
    strangers = [s for s in demo.strangers][:60]
    assert len(strangers) > 50, "the demo EPD needs more than 50 strangers for this test"
    monkeypatch.setitem(app.extensions, "portal.connector", _Crowded(app.extensions["portal.connector"], strangers))
    response = search(gp, bsn=demo.patient.bsn)
    page = text(response)
    assert demo.patient.display_name in page and len(choose_tokens(response.get_data(as_text=True))) == 1
    assert "Er zijn meer patiënten gevonden" not in page
