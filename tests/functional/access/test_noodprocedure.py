"""Choosing a patient, the noodprocedure at a HAP, refusals, and failing closed."""
from sqlalchemy import select, text

from portal.access.models import EmergencyAccess, PatientNotification
from portal.context.selection import CANDIDATE
from support.access import HAP_ADDRESS, OFFICE_ADDRESS, bind_context, confirm_fields, csrf, offer_and_choose

MANUAL_TEXT = "In onze zorginstelling is geen behandelrelatie bekend tussen u en deze patiënt."


def audit_rows(platform, tenant_id, action):
    with platform.database.engine.connect() as conn:
        return conn.execute(text("SELECT data, grounds, outcome, user_uzi FROM audit_log "
                                 "WHERE tenant_id = :t AND action = :a ORDER BY seq"),
                            {"t": tenant_id, "a": action}).all()


def test_registered_gp_goes_straight_on(client, login_as, patient_facts, tenant_id, platform):
    account = login_as(client, {"agb_code": "01234567", "practice_agb": "07654321"})
    patient_facts.set(consent=True, relations_=[{"kind": "registered_gp", "agb_code": "01234567"}])
    client.environ_base["REMOTE_ADDR"] = OFFICE_ADDRESS
    assert offer_and_choose(client, str(patient_facts.patient_id)).status_code == 302
    page = client.get("/patient/bevestigen")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Ga verder met deze patiënt" in html and MANUAL_TEXT not in html
    response = client.post("/patient/bevestigen", data={**confirm_fields(client), "csrf_token": csrf(client)})
    assert response.status_code == 302
    with client.session_transaction() as session:
        assert session["selected_patient"] == str(patient_facts.patient_id)
    banner = client.get("/").get_data(as_text=True)
    assert "Geen patiënt geselecteerd" not in banner
    assert any(r.user_uzi == account.uzi_number and r.grounds == "consent+registered_gp"
               for r in audit_rows(platform, tenant_id, "view"))


def test_noodprocedure_at_a_hap(client, login_as, patient_facts, tenant_id, platform):
    account = login_as(client, {"agb_code": "01234568"})
    patient_facts.set(consent=True, relations_=[])
    client.environ_base["REMOTE_ADDR"] = HAP_ADDRESS[tenant_id]
    offer_and_choose(client, str(patient_facts.patient_id))
    html = client.get("/patient/bevestigen").get_data(as_text=True)
    assert MANUAL_TEXT in html and "Waarom wilt u dit dossier bekijken?" in html

    too_short = client.post("/patient/bevestigen",
                            data={**confirm_fields(client), "reason": "kort", "csrf_token": csrf(client)})
    assert too_short.status_code == 400 and "minimaal" in too_short.get_data(as_text=True)
    with platform.database.session() as db:
        assert db.scalars(select(EmergencyAccess).where(EmergencyAccess.account_id == account.id)).all() == []

    reason = "Patiënt op de huisartsenpost met pijn op de borst"
    response = client.post("/patient/bevestigen",
                           data={**confirm_fields(client), "reason": reason, "csrf_token": csrf(client)})
    assert response.status_code == 302
    with platform.database.session() as db:
        grant = db.scalars(select(EmergencyAccess).where(EmergencyAccess.account_id == account.id)).one()
        assert grant.reason == reason and grant.patient_id == str(patient_facts.patient_id)
        notification = db.scalars(select(PatientNotification).where(
            PatientNotification.tenant_id == tenant_id, PatientNotification.reason == reason)).one()
        assert notification.kind == "emergency_access" and notification.sent_at is None
    emergency = audit_rows(platform, tenant_id, "emergency_access")
    assert any(r.user_uzi == account.uzi_number and reason in r.grounds for r in emergency)


def test_emergency_access_is_not_offered_outside_the_hap(client, login_as, patient_facts, tenant_id, platform):
    account = login_as(client, {"agb_code": "01234569"})
    patient_facts.set(consent=True, relations_=[])
    client.environ_base["REMOTE_ADDR"] = OFFICE_ADDRESS
    offer_and_choose(client, str(patient_facts.patient_id))
    page = client.get("/patient/bevestigen")
    assert page.status_code == 403
    assert MANUAL_TEXT in page.get_data(as_text=True) or "geen behandelrelatie" in page.get_data(as_text=True)
    # A forged POST for the same patient (chosen again, with a page context) is refused too.
    with client.session_transaction() as session:
        session[CANDIDATE] = str(patient_facts.patient_id)
        forged = bind_context(session, str(patient_facts.patient_id))
    refused = client.post("/patient/bevestigen", data={"patient_context": forged, "reason": "x" * 40,
                                                       "csrf_token": csrf(client)})
    assert refused.status_code == 403
    with platform.database.session() as db:
        assert db.scalars(select(EmergencyAccess).where(EmergencyAccess.account_id == account.id)).all() == []
    assert any(r.user_uzi == account.uzi_number for r in audit_rows(platform, tenant_id, "access_denied"))


def test_no_consent_means_no_access_even_at_the_hap(client, login_as, patient_facts, tenant_id):
    login_as(client, {"agb_code": "01234570"})
    patient_facts.set(consent=False, relations_=[{"kind": "registered_gp", "agb_code": "01234570"}])
    client.environ_base["REMOTE_ADDR"] = HAP_ADDRESS[tenant_id]
    offer_and_choose(client, str(patient_facts.patient_id))
    page = client.get("/patient/bevestigen")
    assert page.status_code == 403 and "geen toestemming" in page.get_data(as_text=True)


def test_a_stale_token_chooses_nobody(client, login_as):
    login_as(client)
    response = client.post("/patient/kiezen", data={"patient": "forged", "csrf_token": csrf(client)})
    assert response.status_code == 302
    with client.session_transaction() as session:
        assert "candidate_patient" not in session


def test_no_data_when_the_audit_log_cannot_be_written(client, login_as, patient_facts, monkeypatch):
    from portal.access import guard
    from portal.audit import AuditWriteError

    login_as(client, {"agb_code": "01234571"})
    patient_facts.set(consent=True, relations_=[{"kind": "registered_gp", "agb_code": "01234571"}])
    offer_and_choose(client, str(patient_facts.patient_id))

    def broken(event, database=None):
        raise AuditWriteError("disk full")

    monkeypatch.setattr(guard, "record", broken)
    page = client.get("/patient/bevestigen")
    html = page.get_data(as_text=True)
    assert page.status_code == 503 and "niet kon worden vastgelegd" in html
    assert "Ga verder met deze patiënt" not in html


def test_notifications_cli_lists_the_queue(client, login_as, patient_facts, tenant_id, settings, monkeypatch):
    from click.testing import CliRunner

    from portal.cli import cli

    login_as(client, {"agb_code": "01234572"})
    patient_facts.set(consent=True, relations_=[])
    client.environ_base["REMOTE_ADDR"] = HAP_ADDRESS[tenant_id]
    offer_and_choose(client, str(patient_facts.patient_id))
    reason = "Waarneming in de nacht, acute klachten"
    client.post("/patient/bevestigen", data={**confirm_fields(client), "reason": reason, "csrf_token": csrf(client)})
    env = {"DATABASE_URL": settings.database_url, "PORTAL_INSTANCE_DIR": str(settings.instance_dir),
           "PORTAL_ENV": "testing"}
    result = CliRunner().invoke(cli, ["notifications", "list", "--tenant", tenant_id], env=env)
    assert result.exit_code == 0, result.output
    assert reason in result.output and "emergency_access" in result.output
