"""Melden overlijden patiënt: validated, audited, passed on to the EPD, recorded once."""
from __future__ import annotations

import json
from datetime import date, timedelta

from sqlalchemy import func, select

from portal.audit.models import AuditRecord
from portal.db import make_engine
from portal.patient.models import DeathNotificationRecord
from portal_connectors.demo.schema import records
from support.access import selected_context
from support.cli import run_portal_cli
from support.demo_epd import last_audit_record
from support.screens import csrf, open_patient, text


def _epd_notifications(connector, patient_id: str) -> int:
    engine = make_engine(connector.database_url)
    try:
        with engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(records).where(
                records.c.kind == "death_notification", records.c.patient_id == int(patient_id))).scalar_one()
    finally:
        engine.dispose()


def _rows(platform, model) -> list:
    """All rows of ``model``, read in a session of their own (closed before returning)."""
    with platform.database.session() as db:
        return list(db.execute(select(model)).scalars())


def _report(client, **fields):
    return client.post("/patientinformatie/overlijden",
                       data={"csrf_token": csrf(client), **selected_context(client), **fields})


def _patient(demo):
    # Not the first patient: other screen tests read that one's record as living.
    return demo.mine[-1]


def test_the_form_has_date_place_remarks_and_confirmation(gp, demo):
    open_patient(gp, _patient(demo))
    html = text(gp.get("/patientinformatie/overlijden", query_string=selected_context(gp)))
    for label in ("Overlijdensdatum", "Plaats van overlijden", "Opmerkingen", 'type="checkbox"',
                  'placeholder="dd-mm-jjjj"', "Melden overlijden patiënt"):
        assert label in html


def test_bad_input_gets_its_message_and_changes_nothing(gp, demo, app, platform):
    patient = _patient(demo)
    open_patient(gp, patient)
    connector = app.extensions["portal.connector"]
    before = _epd_notifications(connector, patient.patient_id)
    day_before_birth = (patient.birth_date - timedelta(days=1)).strftime("%d-%m-%Y")
    tomorrow = (date.today() + timedelta(days=2)).strftime("%d-%m-%Y")
    cases = [
        ({"date_of_death": "", "confirm": "yes"}, "Vul de overlijdensdatum in als dd-mm-jjjj."),
        ({"date_of_death": "30-02-2024", "confirm": "yes"}, "De overlijdensdatum 30-02-2024 bestaat niet."),
        ({"date_of_death": tomorrow, "confirm": "yes"}, "De overlijdensdatum ligt in de toekomst."),
        ({"date_of_death": day_before_birth, "confirm": "yes"}, "De overlijdensdatum ligt voor de geboortedatum"),
        ({"date_of_death": date.today().strftime("%d-%m-%Y")},
         "Bevestig dat u het overlijden van deze patiënt wilt melden."),
        ({"date_of_death": date.today().strftime("%d-%m-%Y"), "confirm": "yes", "note": "x" * 1001},
         "De opmerkingen zijn te lang"),
    ]
    for fields, message in cases:
        response = _report(gp, **fields)
        assert response.status_code == 400 and message in text(response), message
    assert _epd_notifications(connector, patient.patient_id) == before
    assert _rows(platform, DeathNotificationRecord) == []


def test_reported_once_then_recognised(gp, demo, app, platform):
    patient = _patient(demo)
    open_patient(gp, patient)
    connector = app.extensions["portal.connector"]
    tenant_id = app.extensions["portal.tenant"].id
    before = _epd_notifications(connector, patient.patient_id)
    day = (date.today() - timedelta(days=1)).strftime("%d-%m-%Y")
    response = _report(gp, date_of_death=day, place_of_death="Thuis", note="Rustig ingeslapen", confirm="yes")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/patientinformatie/overlijden/gemeld?patient_context=")
    done = text(gp.get(response.headers["Location"]))
    assert "Overlijden gemeld" in done and day in done and "Thuis" in done and "OVL" in done

    [row] = _rows(platform, DeathNotificationRecord)
    assert (row.tenant_id, row.patient_id, row.date_of_death) == (tenant_id, patient.patient_id,
                                                                  date.today() - timedelta(days=1))
    assert row.reporter_agb == demo.gp_agb and row.reference.startswith("OVL")
    assert _epd_notifications(connector, patient.patient_id) == before + 1
    # The EPD record itself is not changed: the hospital verifies first.
    assert connector.get_patient_summary(patient.patient_id).deceased is False

    # The second report is recognised: shown, not duplicated, not passed on again.
    form = text(gp.get("/patientinformatie/overlijden", query_string=selected_context(gp)))
    assert "is al gemeld" in form and 'name="date_of_death"' not in form
    again = _report(gp, date_of_death=day, confirm="yes")
    assert again.status_code == 200 and "is al gemeld" in text(again)
    assert len(_rows(platform, DeathNotificationRecord)) == 1
    assert _epd_notifications(connector, patient.patient_id) == before + 1
    assert "Het overlijden van deze patiënt is op" in text(gp.get("/patientinformatie"))

    with platform.database.session() as db:
        logged = db.execute(select(AuditRecord).where(AuditRecord.tenant_id == tenant_id,
                                                      AuditRecord.action == "death_notification")
                            .order_by(AuditRecord.seq.desc()).limit(2)).scalars().all()
    assert [r.outcome for r in logged] == ["failure", "success"]
    assert json.loads(logged[0].details)["refusal"] == "already_reported"
    assert json.loads(logged[1].details)["date_of_death"] == (date.today() - timedelta(days=1)).isoformat()
    assert all(r.patient_number == patient.patient_number for r in logged)

    # Hospital staff see the report, with the patient as the EPD knows them now.
    listed = run_portal_cli(platform, "death-notifications", "list", "--tenant", tenant_id)
    assert listed.exit_code == 0, listed.output
    [line] = [line for line in listed.output.splitlines() if row.reference in line]
    assert patient.patient_number in line and patient.display_name in line and "Thuis" in line
    assert f"AGB {demo.gp_agb}" in line


def _withdraw(client, reason: str):
    return client.post("/patientinformatie/overlijden/intrekken",
                       data={"csrf_token": csrf(client), **selected_context(client), "withdraw_reason": reason})


def test_the_reporter_withdraws_until_the_hospital_processed_it(gp, demo, app, platform, login_as, client):
    patient = _patient(demo)
    open_patient(gp, patient)
    tenant_id = app.extensions["portal.tenant"].id
    day = (date.today() - timedelta(days=2)).strftime("%d-%m-%Y")
    assert _report(gp, date_of_death=day, confirm="yes").status_code == 302
    page = text(gp.get("/patientinformatie/overlijden", query_string=selected_context(gp)))
    assert "Melding intrekken" in page and f"Melding intrekken voor {patient.display_name}" in page

    # A reason that is empty once invisible characters are gone is no reason: nothing changes.
    refused = _withdraw(gp, "\u200b\u202e  \u200b")
    assert refused.status_code == 400 and "Vul de reden in" in text(refused)
    [row] = _rows(platform, DeathNotificationRecord)
    assert row.withdrawn_at is None

    done = _withdraw(gp, "Verkeerde patiënt\u202e gekozen bij het melden")
    assert done.status_code == 302
    [row] = _rows(platform, DeathNotificationRecord)
    assert row.withdrawn_at is not None and row.withdrawn_reason == "Verkeerde patiënt gekozen bij het melden"
    last = last_audit_record(platform, tenant_id, "death_notification")
    assert last.data == "Melding overlijden ingetrokken" and last.patient_number == patient.patient_number
    assert json.loads(last.details) == {"withdrawn": row.reference, "reason": row.withdrawn_reason}
    info = text(gp.get("/patientinformatie"))
    assert "is ingetrokken" in info and "Het overlijden van deze patiënt is op" not in info
    listed = run_portal_cli(platform, "death-notifications", "list", "--tenant", tenant_id)
    [line] = [line for line in listed.output.splitlines() if row.reference in line]
    assert "WITHDRAWN" in line and "Verkeerde patiënt gekozen" in line

    # Withdrawn, the patient can be reported again; processed by the hospital, it stands.
    assert _report(gp, date_of_death=day, confirm="yes").status_code == 302
    second = [r for r in _rows(platform, DeathNotificationRecord) if r.withdrawn_at is None][0]
    processed = run_portal_cli(platform, "death-notifications", "processed", "--tenant", tenant_id,
                               "--by", "M. Medewerker", second.reference)
    assert processed.exit_code == 0, processed.output
    late = _withdraw(gp, "Toch een vergissing van mijn kant")
    assert late.status_code == 409 and "kan niet (meer) door u worden ingetrokken" in text(late)
    assert [r for r in _rows(platform, DeathNotificationRecord) if r.withdrawn_at is None] != []
    again = run_portal_cli(platform, "death-notifications", "processed", "--tenant", tenant_id,
                           "--by", "M. Medewerker", second.reference)
    assert again.exit_code != 0 and "already processed" in again.output


def test_only_the_reporter_may_withdraw(gp, demo, app, platform, login_as):
    patient = _patient(demo)
    open_patient(gp, patient)
    assert _report(gp, date_of_death=date.today().strftime("%d-%m-%Y"), confirm="yes").status_code == 302
    colleague = app.test_client()
    colleague.environ_base["REMOTE_ADDR"] = gp.environ_base["REMOTE_ADDR"]
    login_as(colleague, {"agb_code": demo.gp_agb, "practice_agb": demo.practice_agb, "name": "Dr. Collega",
                         "uzi_number": "900123999"})
    open_patient(colleague, patient)
    page = text(colleague.get("/patientinformatie/overlijden", query_string=selected_context(colleague)))
    assert "is al gemeld" in page and "Melding intrekken" not in page
    assert _withdraw(colleague, "Ik wil deze melding intrekken").status_code == 409
    [row] = _rows(platform, DeathNotificationRecord)
    assert row.withdrawn_at is None
