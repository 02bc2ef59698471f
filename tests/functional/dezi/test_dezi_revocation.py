"""A Dezi session checks its verklaring's status every ``dezi.status_check_seconds`` (60 here,
grace 0): revoked, or a status service that cannot answer, ends the session on the next
request after the interval; within it nothing is asked."""
from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import select

from portal.audit.models import AuditRecord
from support.access import PRIVATE_PAGE, is_logged_in


@pytest.fixture
def logged_in(dezi_client, dezi_login, dezi, make_account):
    make_account(tenant_id="zgt", dezi_number="900000001", ura="12345678")
    assert dezi_login(dezi_client).status_code == 302
    assert is_logged_in(dezi_client)
    return dezi.last()["verklaring_id"]


def _interval_passes(client, seconds: int = 61) -> None:
    with client.session_transaction() as session:
        session["dezi"] = {**session["dezi"], "checked": session["dezi"]["checked"] - seconds}


def _last_record(platform):
    with platform.database.session() as session:
        found = session.scalars(select(AuditRecord).where(AuditRecord.tenant_id == "zgt")
                                .order_by(AuditRecord.seq.desc()).limit(1)).first()
        return found, json.loads(found.details)


def test_revocation_ends_the_session_once_the_interval_passed(dezi_client, dezi, dezi_platform, logged_in):
    dezi.set_status(logged_in, "ingetrokken")
    assert is_logged_in(dezi_client)  # within the interval: not asked yet
    _interval_passes(dezi_client)
    answer = dezi_client.get(PRIVATE_PAGE)
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/login")
    assert "Uw Dezi-verklaring is ingetrokken" in dezi_client.get("/login").get_data(as_text=True)
    assert not is_logged_in(dezi_client)
    record, details = _last_record(dezi_platform)
    assert (record.action, details["method"], details["code"], details["verklaring_id"]) == (
        "logout", "dezi", "dezi_revoked", logged_in)
    assert record.user_uzi


def test_an_active_verklaring_keeps_the_session_and_is_asked_again_after_the_interval(
        dezi_client, dezi, logged_in):
    _interval_passes(dezi_client)
    before = time.time()
    assert is_logged_in(dezi_client)
    with dezi_client.session_transaction() as session:
        assert session["dezi"]["checked"] >= before and session["dezi"]["ok"] >= before


def test_an_unreachable_status_service_ends_the_session_without_grace(dezi_client, dezi, dezi_platform, logged_in):
    dezi.set_status(logged_in, http=503)
    _interval_passes(dezi_client)
    answer = dezi_client.get(PRIVATE_PAGE, headers={"Accept": "application/json"}, json={})
    assert answer.status_code in (302, 401)
    assert not is_logged_in(dezi_client)
    assert _last_record(dezi_platform)[1]["code"] == "dezi_status_unknown"


def test_the_session_ends_when_the_verklaring_expires(dezi_client, dezi_platform, logged_in):
    with dezi_client.session_transaction() as session:
        session["dezi"] = {**session["dezi"], "exp": int(time.time()) - 1}
    assert not is_logged_in(dezi_client)
    assert _last_record(dezi_platform)[1]["code"] == "dezi_expired"


def test_a_uzi_pas_session_is_never_asked(dezi_client, login_as, dezi_platform):
    login_as(dezi_client, {"tenant_id": "zgt"})
    with dezi_client.session_transaction() as session:
        assert "dezi" not in session
    assert is_logged_in(dezi_client)
