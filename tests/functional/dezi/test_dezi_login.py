"""Logging in with Dezi against a real OpenID Connect provider: the way in, and every refusal.

Each refusal has its own code, Dutch message and audit record; the account, session and audit
of a success are those of a UZI-pas login."""
from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import select

from portal.audit.models import AuditRecord
from portal.dezi.errors import DeziRefused
from support.access import is_logged_in

DEZI_NUMBER = "900000001"
URA = "12345678"


def last_login_record(platform):
    with platform.database.session() as session:
        found = session.scalars(select(AuditRecord).where(AuditRecord.tenant_id == "zgt")
                                .order_by(AuditRecord.seq.desc()).limit(1)).first()
        return found, json.loads(found.details)


@pytest.fixture
def gp(make_account):
    return make_account(tenant_id="zgt", dezi_number=DEZI_NUMBER, ura=URA, name="Dr. J. van Dijk")


def test_a_gp_logs_in_with_dezi_into_their_account(dezi_client, dezi_login, dezi, dezi_platform, gp):
    with dezi_client.session_transaction() as session:
        session["login_next"] = "/patient-zoeken/recente"
    answer = dezi_login(dezi_client)
    assert answer.status_code == 302 and answer.headers["Location"] == "/patient-zoeken/recente"
    assert is_logged_in(dezi_client)
    record, details = last_login_record(dezi_platform)
    assert (record.action, record.outcome, record.user_uzi, record.user_name) == (
        "login", "success", gp.uzi_number, "Dr. J. van Dijk")
    issued = dezi.last()
    assert details["method"] == "dezi" and details["verified"] == "yes"
    assert details["dezi_number"] == DEZI_NUMBER and details["verklaring_id"] == issued["verklaring_id"]
    assert details["ura"] == URA and details["dezi_sub"] and details["dezi_sub"] != issued["sub"]  # pairwise
    with dezi_client.session_transaction() as session:
        assert session["auth_card_type"] == "dezi" and session["dezi"]["verklaring_id"] == issued["verklaring_id"]
        assert "dezi_flow" not in session


def test_the_login_page_offers_both_ways_in(dezi_client, dezi_platform, dezi):
    from support.launch import client_of

    response = dezi_client.get("/login")
    page = response.get_data(as_text=True)
    # The form's redirect to Dezi is allowed by the page's policy, and nothing else is.
    assert f"form-action 'self' {dezi.issuer};" in response.headers["Content-Security-Policy"]
    assert "Inloggen met UZI-pas" in page and "Inloggen met Dezi" in page
    other = client_of(dezi_platform, "mst").get("/login").get_data(as_text=True)
    assert "Inloggen met UZI-pas" in other and "Inloggen met Dezi" not in other
    assert client_of(dezi_platform, "mst").get("/login/dezi/terug?state=x&code=y").status_code == 404


def refused(dezi_client, dezi_login, dezi_platform, code: str, verified: bool):
    """The login was refused with ``code``: its Dutch message shown, nobody logged in, audited."""
    answer = dezi_login(dezi_client)
    text = answer.get_data(as_text=True)
    assert answer.status_code == DeziRefused(code).status, text[-500:]
    assert DeziRefused(code).message.split(".")[0] in text.replace("&#39;", "'")
    assert not is_logged_in(dezi_client)
    record, details = last_login_record(dezi_platform)
    assert (record.action, record.outcome, details["method"], details["code"]) == ("login", "failure", "dezi", code)
    assert details["verified"] == ("yes" if verified else "no")
    return record, details


def test_no_linked_account_is_the_uzi_pas_refusal(dezi_client, dezi_login, dezi, dezi_platform, gp):
    from portal.auth.errors import MESSAGES

    dezi.next_login({"dezi_nummer": "900000999"})
    record, details = refused(dezi_client, dezi_login, dezi_platform, "no_account", verified=True)
    assert DeziRefused("no_account").message == MESSAGES["no_account"]
    assert record.user_name == "J. van Dijk" and details["dezi_number"] == "900000999"


def test_role_not_allowed(dezi_client, dezi_login, dezi, dezi_platform, gp):
    dezi.next_login({"rol_code": "01.016", "rol_naam": "Internist"})
    refused(dezi_client, dezi_login, dezi_platform, "role_not_allowed", verified=True)


def test_level_of_assurance_too_low(dezi_client, dezi_login, dezi, dezi_platform, gp):
    from support.dezi import LOA_SUBSTANTIAL

    dezi.next_login({"loa_dezi": LOA_SUBSTANTIAL})
    refused(dezi_client, dezi_login, dezi_platform, "dezi_loa_too_low", verified=True)
    dezi.next_login(loa_authn=LOA_SUBSTANTIAL)
    refused(dezi_client, dezi_login, dezi_platform, "dezi_loa_too_low", verified=True)


def test_expired_and_not_yet_valid_verklaring(dezi_client, dezi_login, dezi, dezi_platform, gp):
    now = int(time.time())
    dezi.next_login({"nbf": now - 7200, "exp": now - 3600})
    refused(dezi_client, dezi_login, dezi_platform, "dezi_expired", verified=True)
    dezi.next_login({"nbf": now + 3600, "exp": now + 7200})
    refused(dezi_client, dezi_login, dezi_platform, "dezi_not_yet_valid", verified=True)


def test_a_revoked_verklaring_is_refused_at_login(dezi_client, dezi_login, dezi, dezi_platform, gp):
    dezi.next_login({"verklaring_id": "ingetrokken-1", "status_uri": f"{dezi.issuer}/status/ingetrokken-1"})
    dezi.set_status("ingetrokken-1", "ingetrokken")
    refused(dezi_client, dezi_login, dezi_platform, "dezi_revoked", verified=True)


def test_an_unreachable_status_service_refuses_the_login(dezi_client, dezi_login, dezi, dezi_platform, gp):
    dezi.next_login({"verklaring_id": "stil-1", "status_uri": f"{dezi.issuer}/status/stil-1"})
    dezi.set_status("stil-1", http=503)
    refused(dezi_client, dezi_login, dezi_platform, "dezi_status_unknown", verified=True)


def test_an_organisation_other_than_the_accounts_is_refused(dezi_client, dezi_login, dezi, dezi_platform, gp):
    dezi.next_login({"abonnee_nummer": "87654321"})
    refused(dezi_client, dezi_login, dezi_platform, "dezi_organisation_mismatch", verified=True)


def test_a_jku_off_the_allow_list_is_refused_unfetched(dezi_client, dezi_login, dezi, dezi_platform, gp):
    dezi.next_login(jku=f"{dezi.issuer}/other/jwks.json")
    record, _ = refused(dezi_client, dezi_login, dezi_platform, "dezi_jku_unknown", verified=False)
    assert record.user_name is None and record.user_uzi is None


def test_a_verklaring_sealed_with_another_key_is_refused(dezi_client, dezi_login, dezi, dezi_platform, gp):
    dezi.next_login(seal="stranger")
    record, _ = refused(dezi_client, dezi_login, dezi_platform, "dezi_signature_invalid", verified=False)
    assert record.user_name is None


def test_an_answer_for_another_browser_state_is_refused(dezi_client, dezi_login, dezi, dezi_platform, gp):
    started = dezi_client.post("/login/dezi", data={"csrf_token": _csrf(dezi_client)})
    back = dezi.walk(started.headers["Location"], "http://zgt.localhost/login/dezi/terug")
    forged = back.replace("state=", "state=x")
    answer = dezi_client.get(forged)
    assert answer.status_code == 401 and not is_logged_in(dezi_client)
    _, details = last_login_record(dezi_platform)
    assert details["code"] == "dezi_state_mismatch"
    # The state is used once: the genuine answer after the forged one is refused as well.
    assert dezi_client.get(back).status_code == 401 and not is_logged_in(dezi_client)


def test_a_nonce_of_another_attempt_is_refused(dezi_client, dezi, dezi_platform, gp):
    started = dezi_client.post("/login/dezi", data={"csrf_token": _csrf(dezi_client)})
    with dezi_client.session_transaction() as session:
        session["dezi_flow"] = {**session["dezi_flow"], "nonce": "een-andere-inlogpoging"}
    answer = dezi_client.get(dezi.walk(started.headers["Location"], "http://zgt.localhost/login/dezi/terug"))
    assert answer.status_code == 401 and not is_logged_in(dezi_client)
    assert last_login_record(dezi_platform)[1]["code"] == "dezi_nonce_mismatch"


def test_a_pkce_verifier_that_does_not_match_is_refused_by_dezi(dezi_client, dezi, dezi_platform, gp):
    started = dezi_client.post("/login/dezi", data={"csrf_token": _csrf(dezi_client)})
    with dezi_client.session_transaction() as session:
        session["dezi_flow"] = {**session["dezi_flow"], "verifier": "x" * 64}
    answer = dezi_client.get(dezi.walk(started.headers["Location"], "http://zgt.localhost/login/dezi/terug"))
    assert answer.status_code == 401 and not is_logged_in(dezi_client)
    assert last_login_record(dezi_platform)[1]["code"] == "dezi_pkce_failed"


def test_the_authorization_request_is_dezis_profile(dezi_client, dezi):
    from urllib.parse import parse_qs, urlsplit

    started = dezi_client.post("/login/dezi", data={"csrf_token": _csrf(dezi_client)})
    query = {k: v[0] for k, v in parse_qs(urlsplit(started.headers["Location"]).query).items()}
    assert started.headers["Location"].startswith(f"{dezi.issuer}/auth?")
    assert query["response_type"] == "code" and query["scope"] == "openid" and query["response_mode"] == "query"
    assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43
    assert query["client_id"] == "portaal-zgt" and "client_secret" not in query
    assert dezi_client.post("/login/dezi").status_code in (302, 400)  # no CSRF token: refused


def _csrf(client) -> str:
    import re

    match = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/login").get_data(as_text=True))
    assert match
    return match.group(1)
