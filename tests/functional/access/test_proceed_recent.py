""""Ga verder met deze patiënt" writes the patient's Recente entry with its audit record:
both or neither."""
from __future__ import annotations

from sqlalchemy import select, text

from portal.access import guard
from portal.access.models import RecentPatient
from portal.audit import AuditWriteError
from support.access import OFFICE_ADDRESS, confirm_fields, offer_and_choose

GP = {"agb_code": "01234590", "practice_agb": "07654390"}


def recent(platform, account_id) -> list[str]:
    with platform.database.session() as db:
        return db.scalars(select(RecentPatient.patient_id).where(RecentPatient.account_id == account_id)).all()


def selections(platform, tenant_id, uzi) -> int:
    with platform.database.engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM audit_log WHERE tenant_id = :t AND user_uzi = :u "
                                 "AND data = 'Patiëntselectie' AND outcome = 'success'"),
                            {"t": tenant_id, "u": uzi}).scalar()


def test_proceeding_records_the_selection_and_recente(client, login_as, patient_facts, platform, tenant_id):
    account = login_as(client, GP)
    client.environ_base["REMOTE_ADDR"] = OFFICE_ADDRESS
    patient_facts.set(consent=True, relations_=[{"kind": "registered_gp", "agb_code": GP["agb_code"]}])
    patient_id = str(patient_facts.patient_id)
    offer_and_choose(client, patient_id)
    shown = selections(platform, tenant_id, account.uzi_number)  # the confirm page's own record
    assert client.post("/patient/bevestigen", data=confirm_fields(client)).status_code == 302
    assert recent(platform, account.id) == [patient_id]
    assert selections(platform, tenant_id, account.uzi_number) == shown + 2  # the page, then the POST


def test_no_recente_entry_and_no_selection_without_the_record(client, login_as, patient_facts, platform,
                                                              monkeypatch):
    account = login_as(client, GP)
    client.environ_base["REMOTE_ADDR"] = OFFICE_ADDRESS
    patient_facts.set(consent=True, relations_=[{"kind": "registered_gp", "agb_code": GP["agb_code"]}])
    offer_and_choose(client, str(patient_facts.patient_id))
    fields = confirm_fields(client)

    def unwritable(*args, **kwargs):
        raise AuditWriteError("down")

    monkeypatch.setattr(guard, "record_with", unwritable)
    assert client.post("/patient/bevestigen", data=fields).status_code == 503
    assert recent(platform, account.id) == []
    with client.session_transaction() as session:
        assert "selected_patient" not in session
