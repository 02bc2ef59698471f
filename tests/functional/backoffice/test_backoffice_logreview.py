"""The log review screens: a search by BSN (POST, 11-proef, audited with its criteria, never in
a URL), a signal raised by "Opnieuw berekenen", its log lines, and closing it (audited)."""
from __future__ import annotations

import json
import re
import uuid

from sqlalchemy import select

from portal.audit.events import Action, AuditEvent
from portal.audit.models import AuditRecord
from portal.audit.writer import record
from portal.backoffice.trail import STAFF_SYSTEM
from support.staff_sso import SERVICE_DESK, backoffice_host

from .conftest import csrf_of, staff_login

HOST = backoffice_host("zgt")


def _last_staff_record(database, task: str) -> AuditRecord:
    with database.session() as db:
        return db.scalars(select(AuditRecord).where(AuditRecord.tenant_id == "zgt", AuditRecord.system == STAFF_SYSTEM)
                          .order_by(AuditRecord.seq.desc())).first() if task == "*" else \
            [r for r in db.scalars(select(AuditRecord).where(AuditRecord.tenant_id == "zgt",
                                                             AuditRecord.system == STAFF_SYSTEM)
                                   .order_by(AuditRecord.seq.desc()).limit(20))
             if json.loads(r.details).get("task") == task][0]


def test_a_search_by_bsn_is_posted_checked_and_audited(browser, staff_sso, bo_platform):
    staff_login(browser, staff_sso, "zgt")
    page = browser.at(HOST, "/logboek/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Dit scherm is voor: privacy officer" in html
    bad = browser.at(HOST, "/logboek/", "POST", data={"csrf_token": csrf_of(html), "bsn": "123456789"})
    assert bad.status_code == 400 and "elfproef" in bad.get_data(as_text=True)
    found = browser.at(HOST, "/logboek/", "POST", data={"csrf_token": csrf_of(html), "bsn": "999990019"})
    assert found.status_code == 200 and 'data-testid="log-table"' in found.get_data(as_text=True)
    audited = _last_staff_record(bo_platform.database, "log.search")
    assert audited.action == "search" and json.loads(audited.details)["bsn"] == "999990019"
    assert audited.patient_bsn is None
    refused = browser.at(HOST, "/logboek/", "POST", data={"bsn": "999990019"})
    assert refused.status_code == 400  # no CSRF token


def test_a_signal_is_raised_shown_with_its_lines_and_closed(browser, staff_sso, bo_platform):
    claimed = f"9{uuid.uuid4().int % 10**8:08d}"
    for _ in range(5):
        record(AuditEvent(action=Action.LOGIN, outcome="failure", tenant_id="zgt", network_address="10.9.9.9",
                          details={"code": "pin", "claimed_uzi": claimed, "verified": "no"}), bo_platform.database)
    html = staff_login(browser, staff_sso, "zgt").get_data(as_text=True)
    listing = browser.at(HOST, "/logboek/signalen").get_data(as_text=True)
    computed = browser.at(HOST, "/logboek/signalen/berekenen", "POST", data={"csrf_token": csrf_of(listing)})
    assert computed.status_code == 302
    listing = browser.at(HOST, computed.headers["Location"]).get_data(as_text=True)
    assert 'data-testid="computed"' in listing
    match = re.search(r'<a href="/logboek/signalen/(\d+)">[^<]*</a></td>\s*<td>Mislukte inlogpogingen</td>\s*'
                      rf'<td>{claimed}', listing)
    assert match, listing[:3000]
    signal_page = browser.at(HOST, f"/logboek/signalen/{match.group(1)}").get_data(as_text=True)
    assert "Wat controleert u?" in signal_page and 'data-testid="signal-count">5<' in signal_page
    lines = browser.at(HOST, f"/logboek/?signaal={match.group(1)}").get_data(as_text=True)
    assert lines.count('data-testid="log-row"') >= 5 and "10.9.9.9" in lines
    short = browser.at(HOST, f"/logboek/signalen/{match.group(1)}/sluiten", "POST",
                       data={"csrf_token": csrf_of(signal_page), "remark": "ok"})
    assert short.status_code == 400
    closed = browser.at(HOST, f"/logboek/signalen/{match.group(1)}/sluiten", "POST",
                        data={"csrf_token": csrf_of(signal_page), "remark": "Pas was kwijt, ingetrokken"})
    assert closed.status_code == 302
    shown = browser.at(HOST, f"/logboek/signalen/{match.group(1)}").get_data(as_text=True)
    assert "Pas was kwijt, ingetrokken" in shown
    assert _last_staff_record(bo_platform.database, "signal.show").seq > \
        _last_staff_record(bo_platform.database, "signal.close").seq
    assert html


def test_the_service_desk_may_not_review_the_log(browser, staff_sso):
    staff_login(browser, staff_sso, "zgt", roles=(SERVICE_DESK,), name="Sam Servicedesk", sub="s.desk")
    assert browser.at(HOST, "/logboek/").status_code == 403
    assert browser.at(HOST, "/logboek/signalen").status_code == 403
