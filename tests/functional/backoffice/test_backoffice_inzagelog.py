"""Inzagelog requests: the privacy officer enters a request (BSN posted, 11-proef), downloads
the file exactly as ``portal audit export`` makes it, and the request records its delivery;
each step is audited, the BSN is never in a URL, the service desk may not."""
from __future__ import annotations

import json
import re
from datetime import date

from sqlalchemy import select

from portal.audit.events import Action, AuditEvent
from portal.audit.export import to_csv
from portal.audit.inzagelog import access_log
from portal.audit.models import AuditRecord
from portal.audit.writer import record
from portal.backoffice.models import InzagelogRequest
from portal.backoffice.trail import STAFF_SYSTEM
from support.identifiers import make_bsn
from support.staff_sso import SERVICE_DESK, backoffice_host

from .conftest import csrf_of, staff_login

HOST = backoffice_host("zgt")


def _staff_records(database, task: str) -> list[AuditRecord]:
    with database.session() as db:
        rows = db.scalars(select(AuditRecord).where(AuditRecord.tenant_id == "zgt", AuditRecord.system == STAFF_SYSTEM)
                          .order_by(AuditRecord.seq.desc()).limit(200)).all()
        db.expunge_all()
    return [r for r in rows if json.loads(r.details).get("task") == task]


def test_a_request_is_entered_downloaded_as_the_cli_makes_it_and_its_delivery_kept(browser, staff_sso, bo_platform):
    bsn = make_bsn()
    today = date.today()
    for data in ("Labuitslagen", "Brieven"):
        record(AuditEvent(action=Action.VIEW, outcome="success", tenant_id="zgt", user_uzi="900012345",
                          user_name="Dr. Jansen", user_role="01.015", user_organisation="Praktijk Jansen",
                          patient_bsn=bsn, data=data), bo_platform.database)
    staff_login(browser, staff_sso, "zgt")
    page = browser.at(HOST, "/inzagelog/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Dit scherm is voor: privacy officer" in html
    bad = browser.at(HOST, "/inzagelog/", "POST", data={"csrf_token": csrf_of(html), "bsn": "123456789",
                                                         "van": "2026-01-01", "tot": today.isoformat(),
                                                         "format": "csv"})
    assert bad.status_code == 400 and "elfproef" in bad.get_data(as_text=True)
    without_csrf = browser.at(HOST, "/inzagelog/", "POST", data={"bsn": bsn, "van": "2026-01-01",
                                                                  "tot": today.isoformat(), "format": "csv"})
    assert without_csrf.status_code == 400
    entered = browser.at(HOST, "/inzagelog/", "POST", data={"csrf_token": csrf_of(html), "bsn": bsn,
                                                             "van": "2026-01-01", "tot": today.isoformat(),
                                                             "format": "csv"})
    assert entered.status_code == 302 and bsn not in entered.headers["Location"]
    request_id = int(re.search(r"/inzagelog/(\d+)$", entered.headers["Location"]).group(1))
    shown = browser.at(HOST, f"/inzagelog/{request_id}").get_data(as_text=True)
    assert bsn in shown and "nog niet geleverd" in shown
    audited = _staff_records(bo_platform.database, "inzagelog.request")[0]
    assert audited.patient_bsn == bsn and audited.user_name == "Petra Privacy"
    with bo_platform.database.session() as db:
        kept = db.get(InzagelogRequest, request_id)
        assert kept.patient_bsn == bsn and kept.delivered_at is None and kept.requested_by == "Petra Privacy"

    got = browser.at(HOST, f"/inzagelog/{request_id}/bestand", "POST", data={"csrf_token": csrf_of(shown)})
    assert got.status_code == 200 and got.mimetype == "text/csv"
    assert bsn not in got.headers["Content-Disposition"]
    expected = to_csv(access_log(bo_platform.database, "zgt", bsn, date(2026, 1, 1), today))
    assert got.data == expected and "Labuitslagen" in got.data.decode("utf-8")
    export = _staff_records(bo_platform.database, "inzagelog.export")[0]
    assert export.action == "export" and export.patient_bsn == bsn and json.loads(export.details)["entries"] == "2"
    with bo_platform.database.session() as db:
        kept = db.get(InzagelogRequest, request_id)
        assert kept.delivered_by == "Petra Privacy" and kept.delivered_at is not None
        assert kept.downloads == 1 and kept.entries == 2
    listing = browser.at(HOST, "/inzagelog/").get_data(as_text=True)
    assert "geleverd (" in listing and bsn not in listing
    assert browser.at(HOST, f"/inzagelog/{request_id}/bestand", "POST").status_code == 400  # no CSRF token


def test_a_pdf_request_and_a_bad_period(browser, staff_sso, bo_platform):
    bsn = make_bsn()
    html = staff_login(browser, staff_sso, "zgt")
    html = browser.at(HOST, "/inzagelog/").get_data(as_text=True)
    backwards = browser.at(HOST, "/inzagelog/", "POST", data={"csrf_token": csrf_of(html), "bsn": bsn,
                                                               "van": "2026-02-01", "tot": "2026-01-01",
                                                               "format": "pdf"})
    assert backwards.status_code == 400
    entered = browser.at(HOST, "/inzagelog/", "POST", data={"csrf_token": csrf_of(html), "bsn": bsn,
                                                             "van": "2026-01-01", "tot": "2026-01-31",
                                                             "format": "pdf"})
    shown = browser.at(HOST, entered.headers["Location"]).get_data(as_text=True)
    got = browser.at(HOST, entered.headers["Location"] + "/bestand", "POST", data={"csrf_token": csrf_of(shown)})
    assert got.status_code == 200 and got.mimetype == "application/pdf" and got.data.startswith(b"%PDF")


def test_the_service_desk_may_not_handle_inzagelog_requests(browser, staff_sso, bo_platform):
    staff_login(browser, staff_sso, "zgt", roles=(SERVICE_DESK,), name="Sam Servicedesk", sub="s.desk")
    assert browser.at(HOST, "/inzagelog/").status_code == 403
    refusal = _staff_records(bo_platform.database, "role_refused")[0]
    assert refusal.outcome == "denied" and "inzagelog" in json.loads(refusal.details).get("task", "") + refusal.data
