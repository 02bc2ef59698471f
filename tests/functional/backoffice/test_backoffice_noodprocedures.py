"""The privacy officer reviews noodprocedures: each with provider, patient, reason, time, what
was viewed during it and whether the patient was notified; a verdict with a remark (audited
before it is kept), open reviews counted on the start page, a CSV report per period."""
from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from portal.access.models import EmergencyAccess, PatientNotification
from portal.audit.events import Action, AuditEvent
from portal.audit.models import AuditRecord
from portal.audit.writer import record
from portal.backoffice.trail import STAFF_SYSTEM
from support.staff_sso import SERVICE_DESK, backoffice_host

from .conftest import csrf_of, staff_login

HOST = backoffice_host("zgt")
REASON = "Bewusteloos binnengebracht op de HAP, medicatie onbekend"


@pytest.fixture
def noodprocedure(bo_platform, make_account):
    """A noodprocedure as the GP portal leaves it: the grant's audit record, the grant, the
    queued notification, and a view of the lab results during it."""
    account = make_account(tenant_id="zgt", name="Dr. H. Nood")
    number = f"PN{account.uzi_number}"
    database = bo_platform.database

    def provider_event(action, data, grounds=None):
        return AuditEvent(action=action, outcome="success", tenant_id="zgt", user_uzi=account.uzi_number,
                          user_name=account.name, user_role="01.015", network_address="10.88.4.20",
                          patient_bsn="999990019", patient_number=number, data=data, grounds=grounds)

    record(provider_event(Action.EMERGENCY_ACCESS, "Noodprocedure", f"emergency_access: {REASON}"), database)
    now = datetime.now(timezone.utc)
    with database.session() as session:
        access = EmergencyAccess(tenant_id="zgt", account_id=account.id, patient_id=f"p-{number}", reason=REASON,
                                 network_address="10.88.4.20", granted_at=now, expires_at=now + timedelta(hours=4))
        session.add(access)
        session.add(PatientNotification(tenant_id="zgt", kind="emergency_access", patient_id=f"p-{number}",
                                        patient_number=number, patient_name="J. Jansen", provider_name=account.name,
                                        provider_practice="Huisartsenpraktijk Test", reason=REASON, created_at=now))
        session.flush()
        access_id = access.id
    record(provider_event(Action.VIEW, "Labuitslagen"), database)
    return access_id, number


def _open_count(browser) -> int:
    html = browser.at(HOST, "/").get_data(as_text=True)
    match = re.search(r'data-testid="count-open-reviews">.*?<strong>(\d+)</strong>', html, re.S)
    assert match, html[:2000]
    return int(match.group(1))


def test_the_privacy_officer_judges_a_noodprocedure(browser, staff_sso, bo_platform, noodprocedure):
    access_id, number = noodprocedure
    staff_login(browser, staff_sso, "zgt")
    before = _open_count(browser)
    listing = browser.at(HOST, "/noodprocedures/").get_data(as_text=True)
    assert REASON in listing and number in listing and "nog niet verstuurd" in listing

    page = browser.at(HOST, f"/noodprocedures/{access_id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Dr. H. Nood" in html and "J. Jansen" in html and "999990019" in html and "Labuitslagen" in html
    assert "Dit scherm is voor: privacy officer" in html

    token = csrf_of(html)
    headers = {"Origin": f"http://{HOST}"}
    short = browser.at(HOST, f"/noodprocedures/{access_id}/oordeel", method="POST", headers=headers,
                       data={"csrf_token": token, "verdict": "unjustified", "remark": "nee"})
    assert short.status_code == 400 and "Licht het oordeel toe" in short.get_data(as_text=True)
    assert _open_count(browser) == before

    judged = browser.at(HOST, f"/noodprocedures/{access_id}/oordeel", method="POST", headers=headers,
                        data={"csrf_token": token, "verdict": "unjustified", "remark": "Geen spoed, patiënt bekend"})
    assert judged.status_code == 302
    shown = browser.at(HOST, f"/noodprocedures/{access_id}").get_data(as_text=True)
    assert "Onterecht" in shown and "Geen spoed, patiënt bekend" in shown and "Petra Privacy" in shown
    assert _open_count(browser) == before - 1

    with bo_platform.database.session() as session:
        verdict = session.scalars(select(AuditRecord).where(
            AuditRecord.tenant_id == "zgt", AuditRecord.system == STAFF_SYSTEM,
            AuditRecord.patient_number == number, AuditRecord.action == "change")).one()
    details = json.loads(verdict.details)
    assert (details["task"], details["verdict"], verdict.patient_bsn) == ("emergency.verdict", "unjustified",
                                                                          "999990019")

    report = browser.at(HOST, "/noodprocedures/rapport.csv")
    text = report.get_data().decode("utf-8-sig")
    assert report.headers["Content-Type"].startswith("text/csv")
    line = next(row for row in text.splitlines() if number in row)
    assert "Onterecht" in line and REASON in line and "Dr. H. Nood" in line


def test_a_verdict_needs_the_csrf_token(browser, staff_sso, noodprocedure):
    access_id, _number = noodprocedure
    staff_login(browser, staff_sso, "zgt")
    forged = browser.at(HOST, f"/noodprocedures/{access_id}/oordeel", method="POST",
                        headers={"Origin": f"http://{HOST}"}, data={"verdict": "justified", "remark": "Terecht, prima"})
    assert forged.status_code == 400
    assert "Nog niet beoordeeld" in browser.at(HOST, f"/noodprocedures/{access_id}").get_data(as_text=True)


def test_the_service_desk_cannot_see_noodprocedures(browser, staff_sso, noodprocedure):
    access_id, _number = noodprocedure
    staff_login(browser, staff_sso, "zgt", roles=[SERVICE_DESK], name="Sam Servicedesk", sub="s.s")
    assert browser.at(HOST, f"/noodprocedures/{access_id}").status_code == 403
    assert browser.at(HOST, "/noodprocedures/rapport.csv").status_code == 403
