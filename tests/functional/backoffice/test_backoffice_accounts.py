"""Accounts: a ZorgNetOost file is checked line by line (nothing changes), applied exactly as
checked (a changed file is refused), a bad line changes nothing; deactivating ends the
account's sessions; covering practices are added and ended; every change is audited; the
service desk may list but not change."""
from __future__ import annotations

import hashlib
import io
import json
import random
import re
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from portal.access.models import CoveringAuthorisation
from portal.accounts.models import Account
from portal.audit.models import AuditRecord
from portal.auth.models import SessionRecord
from portal.backoffice.trail import STAFF_SYSTEM
from support.staff_sso import MANAGER, SERVICE_DESK, backoffice_host

from .conftest import csrf_of, staff_login

HOST = backoffice_host("zgt")
HEADER = "uzi_number,agb_code,name,role,practice_name,practice_agb,status\n"


def _uzi() -> str:
    return f"8{random.randrange(10**8):08d}"


def _tasks(database, task: str) -> list[AuditRecord]:
    with database.session() as db:
        rows = db.scalars(select(AuditRecord).where(AuditRecord.tenant_id == "zgt", AuditRecord.system == STAFF_SYSTEM)
                          .order_by(AuditRecord.seq.desc()).limit(100)).all()
        db.expunge_all()
    return [r for r in rows if json.loads(r.details).get("task") == task]


def _account(database, uzi: str) -> Account | None:
    with database.session() as db:
        found = db.scalars(select(Account).where(Account.tenant_id == "zgt", Account.uzi_number == uzi)).first()
        db.expunge_all()
    return found


def _upload(browser, html: str, text: str):
    return browser.at(HOST, "/accounts/bestand", "POST", content_type="multipart/form-data",
                      data={"csrf_token": csrf_of(html), "bestand": (io.BytesIO(text.encode()), "zno.csv")})


def test_a_file_is_checked_then_applied_as_checked(browser, staff_sso, bo_platform):
    one, two = _uzi(), _uzi()
    text = HEADER + f"{one},01234567,Dr. Een,01.015,Praktijk Een,01000001,aanmelden\n" \
                    f"{two},01234568,Dr. Twee,01.015,Praktijk Twee,01000002,aanmelden\n"
    staff_login(browser, staff_sso, "zgt", roles=(MANAGER,), name="Anna Beheer", sub="a.beheer")
    html = browser.at(HOST, "/accounts/").get_data(as_text=True)
    checked = _upload(browser, html, text)
    page = checked.get_data(as_text=True)
    assert checked.status_code == 200 and 'data-testid="check-ok"' in page and "Dr. Twee" in page
    assert _account(bo_platform.database, one) is None  # the check changed nothing
    upload_id = re.search(r'name="upload" value="([^"]+)"', page).group(1)
    digest = re.search(r'name="sha256" value="([^"]+)"', page).group(1)
    assert digest == hashlib.sha256(text.encode()).hexdigest()
    wrong = browser.at(HOST, "/accounts/bestand/toepassen", "POST",
                       data={"csrf_token": csrf_of(page), "upload": upload_id, "sha256": "0" * 64})
    assert wrong.status_code == 409 and _account(bo_platform.database, one) is None
    assert browser.at(HOST, "/accounts/bestand/toepassen", "POST",
                      data={"upload": upload_id, "sha256": digest}).status_code == 400  # no CSRF token
    applied = browser.at(HOST, "/accounts/bestand/toepassen", "POST",
                         data={"csrf_token": csrf_of(page), "upload": upload_id, "sha256": digest})
    assert applied.status_code == 200 and "2 nieuw" in applied.get_data(as_text=True)
    assert _account(bo_platform.database, one).active and _account(bo_platform.database, two).active
    assert json.loads(_tasks(bo_platform.database, "accounts.import")[0].details)["sha256"] == digest
    again = browser.at(HOST, "/accounts/bestand/toepassen", "POST",
                       data={"csrf_token": csrf_of(page), "upload": upload_id, "sha256": digest})
    assert again.status_code == 409  # applied once: the kept file is gone
    listed = browser.at(HOST, f"/accounts/?zoek={one}").get_data(as_text=True)
    assert listed.count('data-testid="account-row"') == 1 and "Dr. Een" in listed


def test_a_file_with_a_bad_line_changes_nothing(browser, staff_sso, bo_platform):
    good, unknown = _uzi(), _uzi()
    text = HEADER + f"{good},01234567,Dr. Goed,01.015,Praktijk,01000001,aanmelden\n" \
                    f"12345,01234567,Dr. Fout,01.015,Praktijk,01000001,aanmelden\n"
    staff_login(browser, staff_sso, "zgt", roles=(MANAGER,), name="Anna Beheer", sub="a.beheer")
    html = browser.at(HOST, "/accounts/").get_data(as_text=True)
    bad = _upload(browser, html, text)
    page = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "line 3: uzi_number must be 9 digits" in page and "Toepassen" not in page
    afmelden = _upload(browser, html, HEADER + f"{good},01234567,Dr. Goed,01.015,Praktijk,01000001,aanmelden\n"
                                               f"{unknown},01234567,Dr. Weg,01.015,Praktijk,01000001,afmelden\n")
    assert afmelden.status_code == 400 and "has no account" in afmelden.get_data(as_text=True)
    assert _account(bo_platform.database, good) is None


def test_deactivating_ends_the_sessions_and_covering_is_added_and_ended(browser, staff_sso, bo_platform):
    uzi = _uzi()
    now = datetime.now(timezone.utc)
    with bo_platform.database.session() as db:
        account = Account(tenant_id="zgt", uzi_number=uzi, agb_code="01234567", name="Dr. Sessie", role="01.015")
        db.add(account)
        db.flush()
        account_id = account.id
        db.add(SessionRecord(id_hash=random.randbytes(32), tenant_id="zgt", account_id=account_id, data="{}",
                             created_at=now, last_seen_at=now, expires_at=now + timedelta(hours=1)))
    staff_login(browser, staff_sso, "zgt", roles=(MANAGER,), name="Anna Beheer", sub="a.beheer")
    page = browser.at(HOST, f"/accounts/{account_id}").get_data(as_text=True)
    bad = browser.at(HOST, f"/accounts/{account_id}/waarneming", "POST",
                     data={"csrf_token": csrf_of(page), "practice_agb": "123", "until": ""})
    assert bad.status_code == 400
    added = browser.at(HOST, f"/accounts/{account_id}/waarneming", "POST",
                       data={"csrf_token": csrf_of(page), "practice_agb": "01999999", "until": "2030-12-31"})
    assert added.status_code == 302
    shown = browser.at(HOST, f"/accounts/{account_id}").get_data(as_text=True)
    assert "01999999" in shown and "31-12-2030" in shown
    assert json.loads(_tasks(bo_platform.database, "accounts.cover")[0].details)["practice_agb"] == "01999999"
    ended = browser.at(HOST, f"/accounts/{account_id}/waarneming/beeindigen", "POST",
                       data={"csrf_token": csrf_of(shown), "practice_agb": "01999999"})
    assert ended.status_code == 302
    with bo_platform.database.session() as db:
        assert not db.scalars(select(CoveringAuthorisation).where(CoveringAuthorisation.account_id == account_id)).all()
    off = browser.at(HOST, f"/accounts/{account_id}/afmelden", "POST", data={"csrf_token": csrf_of(shown)})
    assert off.status_code == 302
    assert _account(bo_platform.database, uzi).active is False
    with bo_platform.database.session() as db:
        assert db.scalars(select(SessionRecord).where(SessionRecord.account_id == account_id)).all() == []
    assert _tasks(bo_platform.database, "accounts.deactivate")[0].details.find(uzi) >= 0


def test_the_service_desk_may_search_but_not_change(browser, staff_sso, bo_platform):
    with bo_platform.database.session() as db:
        account = Account(tenant_id="zgt", uzi_number=_uzi(), agb_code="01234567", name="Dr. Desk", role="01.015")
        db.add(account)
        db.flush()
        account_id = account.id
    staff_login(browser, staff_sso, "zgt", roles=(SERVICE_DESK,), name="Sam Servicedesk", sub="s.desk")
    listed = browser.at(HOST, "/accounts/?zoek=Dr. Desk")
    html = listed.get_data(as_text=True)
    assert listed.status_code == 200 and "Dr. Desk" in html and "Controleren" not in html
    page = browser.at(HOST, f"/accounts/{account_id}").get_data(as_text=True)
    assert "afmelden" not in page.lower().replace("afgemeld", "")
    assert browser.at(HOST, f"/accounts/{account_id}/afmelden", "POST",
                      data={"csrf_token": csrf_of(page)}).status_code == 403
    assert _tasks(bo_platform.database, "role_refused")[0].outcome == "denied"
    assert browser.at(HOST, "/accounts/bestand", "POST", data={"csrf_token": csrf_of(page)}).status_code == 403
