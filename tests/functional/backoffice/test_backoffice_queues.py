"""Death notifications and messages to patients: the application manager processes a report
(confirmed in the EPD or rejected, with a remark; the CLI's rules) and marks messages sent
(who and when); the privacy officer reads both queues; the service desk sees neither. Every
view and change is audited, every change needs the CSRF token, and the CLIs still work."""
from __future__ import annotations

import json
import re
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import delete, select

from portal.access.models import PatientNotification
from portal.audit.models import AuditRecord
from portal.backoffice.trail import STAFF_SYSTEM
from portal.patient.models import DeathNotificationRecord
from support.cli import run_portal_cli
from support.staff_sso import MANAGER, PRIVACY, SERVICE_DESK, backoffice_host

from .conftest import csrf_of, staff_login

HOST = backoffice_host("zgt")


def _staff_records(database, task: str) -> list[AuditRecord]:
    with database.session() as db:
        rows = db.scalars(select(AuditRecord).where(AuditRecord.tenant_id == "zgt", AuditRecord.system == STAFF_SYSTEM)
                          .order_by(AuditRecord.seq.desc()).limit(300)).all()
        db.expunge_all()
    return [r for r in rows if json.loads(r.details).get("task") == task]


@pytest.fixture
def reports(bo_platform, demo_epds):
    """Two reports of the demo EPD's rich patient (one withdrawn), removed afterwards so the
    GP portal's own death notification tests find the patient unreported."""
    patient_id = demo_epds["zgt"].patient_id
    now = datetime.now(timezone.utc)
    with bo_platform.database.session() as db:
        rows = [DeathNotificationRecord(tenant_id="zgt", patient_id=patient_id, reporter_name="Dr. Melder",
                                        reporter_agb="01999999", date_of_death=date(2026, 11, 1),
                                        place_of_death="Thuis", reference=f"OVL-{now.timestamp()}-{i}",
                                        withdrawn_at=now if i else None, withdrawn_reason="Vergissing" if i else None)
                for i in range(2)]
        db.add_all(rows)
        db.flush()
        ids = [r.id for r in rows]
        references = [r.reference for r in rows]
    yield ids, references
    with bo_platform.database.session() as db:
        db.execute(delete(DeathNotificationRecord).where(DeathNotificationRecord.id.in_(ids)))


def test_a_death_notification_is_processed_by_the_application_manager(browser, staff_sso, bo_platform, reports,
                                                                      demo_epds):
    (open_id, withdrawn_id), (reference, withdrawn_reference) = reports
    staff_login(browser, staff_sso, "zgt", roles=(MANAGER,), name="Anna Beheer", sub="a.beheer")
    listing = browser.at(HOST, "/overlijdensmeldingen/").get_data(as_text=True)
    assert reference in listing and withdrawn_reference not in listing  # only those to process
    assert withdrawn_reference in browser.at(HOST, "/overlijdensmeldingen/?status=alle").get_data(as_text=True)
    page = browser.at(HOST, f"/overlijdensmeldingen/{open_id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Melding verwerken" in html and "Te verwerken" in html
    shown = _staff_records(bo_platform.database, "deaths.show")[0]
    assert shown.user_name == "Anna Beheer" and json.loads(shown.details)["reference"] == reference
    assert shown.patient_number and shown.patient_number in html  # from the EPD, for the check

    url = f"/overlijdensmeldingen/{open_id}/verwerken"
    assert browser.at(HOST, url, "POST", data={"outcome": "rejected", "remark": "Niet overleden"}).status_code == 400
    short = browser.at(HOST, url, "POST", data={"csrf_token": csrf_of(html), "outcome": "rejected", "remark": "nee"})
    assert short.status_code == 400 and "Licht een afwijzing toe" in short.get_data(as_text=True)
    done = browser.at(HOST, url, "POST", data={"csrf_token": csrf_of(html), "outcome": "rejected",
                                                "remark": "Patiënt heeft vandaag de poli bezocht"})
    assert done.status_code == 302
    with bo_platform.database.session() as db:
        row = db.get(DeathNotificationRecord, open_id)
        assert row.processed_by == "Anna Beheer" and row.processed_outcome == "rejected"
        assert row.processed_remark == "Patiënt heeft vandaag de poli bezocht" and row.processed_at is not None
    audited = _staff_records(bo_platform.database, "deaths.process")[0]
    assert audited.action == "change" and json.loads(audited.details)["outcome"] == "rejected"
    assert audited.patient_number == shown.patient_number
    after = browser.at(HOST, f"/overlijdensmeldingen/{open_id}").get_data(as_text=True)
    assert "Afgewezen" in after and "Melding verwerken" not in after

    # The CLI's rules: processed once; a withdrawn report is not processed.
    again = browser.at(HOST, url, "POST", data={"csrf_token": csrf_of(html), "outcome": "confirmed", "remark": ""})
    assert again.status_code == 409
    withdrawn = browser.at(HOST, f"/overlijdensmeldingen/{withdrawn_id}/verwerken", "POST",
                           data={"csrf_token": csrf_of(html), "outcome": "confirmed", "remark": ""})
    assert withdrawn.status_code == 409
    cli = run_portal_cli(bo_platform, "death-notifications", "processed", "--tenant", "zgt", "--by", "M. Medewerker",
                         reference)
    assert cli.exit_code != 0 and "already processed" in cli.output
    listed = run_portal_cli(bo_platform, "death-notifications", "list", "--tenant", "zgt")
    assert any(reference in line and "REJECTED" in line for line in listed.output.splitlines())


def test_the_cli_confirms_and_the_privacy_officer_only_reads(browser, staff_sso, bo_platform, reports):
    (open_id, _), (reference, _) = reports
    cli = run_portal_cli(bo_platform, "death-notifications", "processed", "--tenant", "zgt", "--by", "M. Medewerker",
                         reference)
    assert cli.exit_code == 0, cli.output
    with bo_platform.database.session() as db:
        assert db.get(DeathNotificationRecord, open_id).processed_outcome == "confirmed"
    staff_login(browser, staff_sso, "zgt", roles=(PRIVACY,))
    html = browser.at(HOST, f"/overlijdensmeldingen/{open_id}").get_data(as_text=True)
    assert "Bevestigd in het EPD" in html and "M. Medewerker" in html and "Melding verwerken" not in html
    refused = browser.at(HOST, f"/overlijdensmeldingen/{open_id}/verwerken", "POST",
                         data={"csrf_token": csrf_of(html), "outcome": "confirmed"})
    assert refused.status_code == 403
    assert _staff_records(bo_platform.database, "role_refused")


def _notification(database, number: str) -> int:
    with database.session() as db:
        queued = PatientNotification(tenant_id="zgt", kind="emergency_access", patient_id=f"p-{number}",
                                     patient_number=number, patient_name="J. Bericht", provider_name="Dr. Nood",
                                     provider_practice="HAP Twente", reason="Spoed op de HAP")
        db.add(queued)
        db.flush()
        return queued.id


def test_messages_are_marked_sent_with_who_and_when(browser, staff_sso, bo_platform):
    stamp = f"{datetime.now(timezone.utc).timestamp():.0f}"
    first, second = _notification(bo_platform.database, f"PNB{stamp}1"), _notification(bo_platform.database,
                                                                                        f"PNB{stamp}2")
    staff_login(browser, staff_sso, "zgt", roles=(MANAGER,), name="Anna Beheer", sub="a.beheer")
    html = browser.at(HOST, "/berichten/").get_data(as_text=True)
    assert f"PNB{stamp}1" in html and f'value="{first}"' in html
    listed = [r for r in _staff_records(bo_platform.database, "messages.list") if r.patient_number == f"PNB{stamp}1"]
    assert listed and listed[0].action == "listed"
    assert browser.at(HOST, "/berichten/verstuurd", "POST", data={"notification": str(first)}).status_code == 400
    assert browser.at(HOST, "/berichten/verstuurd", "POST",
                      data={"csrf_token": csrf_of(html), "notification": "999999999"}).status_code == 404
    done = browser.at(HOST, "/berichten/verstuurd", "POST", data={"csrf_token": csrf_of(html),
                                                                   "notification": str(first)})
    assert done.status_code == 302
    with bo_platform.database.session() as db:
        marked, untouched = db.get(PatientNotification, first), db.get(PatientNotification, second)
        assert marked.sent_by == "Anna Beheer" and marked.sent_at is not None and untouched.sent_at is None
    audited = _staff_records(bo_platform.database, "messages.sent")[0]
    assert audited.patient_number == f"PNB{stamp}1" and json.loads(audited.details)["notification_id"] == str(first)
    everything = browser.at(HOST, "/berichten/?status=alle").get_data(as_text=True)
    assert re.search(r"verstuurd op [\d\- :]+ door Anna Beheer", everything)

    cli = run_portal_cli(bo_platform, "notifications", "mark-sent", "--tenant", "zgt", str(second))
    assert cli.exit_code == 0 and "Marked 1" in cli.output
    missing = run_portal_cli(bo_platform, "notifications", "mark-sent", "--tenant", "zgt", "999999999")
    assert missing.exit_code == 1 and "no notification 999999999" in missing.output
    with bo_platform.database.session() as db:
        assert db.get(PatientNotification, second).sent_at is not None
        assert db.get(PatientNotification, first).sent_by == "Anna Beheer"  # the first marking stands


def test_the_privacy_officer_reads_the_messages_and_the_service_desk_neither_queue(browser, staff_sso, bo_platform):
    number = f"PNC{datetime.now(timezone.utc).timestamp():.0f}"
    queued = _notification(bo_platform.database, number)
    staff_login(browser, staff_sso, "zgt", roles=(PRIVACY,))
    html = browser.at(HOST, "/berichten/").get_data(as_text=True)
    assert number in html and f'value="{queued}"' not in html  # no checkboxes for a reader
    assert browser.at(HOST, "/berichten/verstuurd", "POST", data={"csrf_token": csrf_of(html),
                                                                   "notification": str(queued)}).status_code == 403
    staff_login(browser, staff_sso, "zgt", roles=(SERVICE_DESK,), name="Sam Servicedesk", sub="s.desk")
    assert browser.at(HOST, "/berichten/").status_code == 403
    assert browser.at(HOST, "/overlijdensmeldingen/").status_code == 403
