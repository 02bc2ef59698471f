"""The challenge signed on the card: success, and every refusal with its code and audit record."""
import datetime as dt
import json
import re
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID
from sqlalchemy import select, update

from portal.audit.models import AuditRecord
from portal.auth.cards import UziAuthority, ia5string_der, uzi_name
from portal.auth.errors import MESSAGES
from portal.auth.models import LoginChallenge
from support.access import is_logged_in

NOW = dt.datetime.now(dt.timezone.utc)
#: Refusals of a card whose certificate and signature verified: the tenant's own rules.
VERIFIED_REFUSALS = {"card_type_not_allowed", "role_not_allowed"}


def uzi_of(card) -> str:
    return card.certificate.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)[0].value


def last_login_audit(platform, tenant_id="tst"):
    with platform.database.session() as session:
        return session.scalars(select(AuditRecord).where(AuditRecord.tenant_id == tenant_id)
                               .order_by(AuditRecord.seq.desc())).first()


def test_card_signature_logs_in_with_a_new_session_id(tst_app, card, gp, uzi_platform, client_for, exchange):
    client = client_for(tst_app)
    exchange = exchange(client)
    before = client.get_cookie(tst_app.config["SESSION_COOKIE_NAME"]).value
    response = exchange.respond(card)
    assert response.status_code == 200 and response.get_json() == {"next": "/"}
    after = client.get_cookie(tst_app.config["SESSION_COOKIE_NAME"]).value
    assert after != before
    home = client.get("/")
    assert home.status_code == 200 and gp.name in home.get_data(as_text=True)
    entry = last_login_audit(uzi_platform)
    assert (entry.action, entry.outcome, entry.user_uzi, entry.user_agb) == ("login", "success", gp.uzi_number,
                                                                              gp.agb_code)
    assert entry.network_address == "127.0.0.1"


def test_current_user_carries_the_agreed_fields(tst_app, card, gp, client_for, exchange):
    from flask_login import current_user

    client = client_for(tst_app)
    assert exchange(client).respond(card).status_code == 200
    with client:
        client.get("/")
        user = current_user._get_current_object()
        assert (user.account_id, user.tenant_id, user.uzi_number, user.name, user.role, user.agb_code,
                user.practice_agb, user.practice_name, user.card_type) == (
            gp.id, "tst", gp.uzi_number, gp.name, "01.015", gp.agb_code, gp.practice_agb, gp.practice_name, "Z")


def _broken_cards(authority, key, gp):
    """(code, card) for every certificate rule."""
    other = UziAuthority.create(name="ROGUE")
    issue = lambda **kw: authority.issue(gp.uzi_number, **{"role": "01.015", "key": key, **kw})  # noqa: E731
    revoked = issue()
    return revoked, [
        ("not_authentication_certificate", issue(kind="signature")),
        ("not_authentication_certificate", issue(kind="confidentiality")),
        ("certificate_expired", issue(not_before=NOW - dt.timedelta(days=400), not_after=NOW - dt.timedelta(days=1))),
        ("certificate_not_yet_valid", issue(not_before=NOW + dt.timedelta(days=1))),
        ("untrusted_chain", other.issue(gp.uzi_number, role="01.015", key=key)),
        ("uzi_name_invalid", issue(other_name_der=b"\x0c" + ia5string_der(uzi_name(gp.uzi_number, "Z", "01.015"))[1:])),
        ("uzi_name_invalid", issue(other_name_der=ia5string_der(uzi_name(gp.uzi_number, "Z", "01.015") + "\x01"))),
        ("uzi_name_invalid", issue(other_name_der=ia5string_der(f"{gp.uzi_number}-Z-01.015"))),
        ("uzi_number_mismatch", issue(subject_serial="900000001")),
        ("card_type_not_allowed", issue(card_type="N", role="00.000")),
        ("role_not_allowed", issue(role="17.000")),
        ("revoked", revoked),
    ]


def test_every_certificate_rule_refuses_with_its_code(tst_app, uzi_authority, card_key, gp, uzi_platform, client_for,
                                                      exchange):
    revoked, cases = _broken_cards(uzi_authority, card_key, gp)
    crl_path = Path(uzi_platform.tenants["tst"].folder) / "uzi" / "issuing.crl"
    original = crl_path.read_bytes()
    crl_path.write_bytes(uzi_authority.crl([revoked.certificate]).public_bytes(serialization.Encoding.PEM))
    try:
        for code, broken in cases:
            client = client_for(tst_app)
            response = exchange(client).respond(broken)
            assert response.status_code == 401, code
            assert response.get_json() == {"code": code, "message": MESSAGES[code]}
            assert not is_logged_in(client), code  # not logged in
            entry = last_login_audit(uzi_platform)
            assert entry.outcome == "failure", code
            if code in VERIFIED_REFUSALS:  # the card was there: the provider's own refused login
                assert entry.user_uzi == gp.uzi_number, code
                assert json.loads(entry.details) == {"code": code, "method": "challenge", "verified": "yes"}
            else:  # the certificate only claims who it is: no provider named
                assert (entry.user_uzi, entry.user_name, entry.user_role) == (None, None, None), code
                claimed = {} if code.startswith("uzi_n") else {"claimed_uzi": gp.uzi_number}
                assert json.loads(entry.details) == {"code": code, "method": "challenge", "verified": "no",
                                                     **claimed}, code
    finally:
        crl_path.write_bytes(original)


@pytest.mark.parametrize("crl", ["missing", "stale"])
def test_revocation_status_unknown_fails_closed(tst_app, uzi_authority, card, uzi_platform, crl, client_for, exchange):
    crl_path = Path(uzi_platform.tenants["tst"].folder) / "uzi" / "issuing.crl"
    original = crl_path.read_bytes()
    if crl == "missing":
        crl_path.unlink()
    else:
        stale = uzi_authority.crl(last_update=NOW - dt.timedelta(days=10), next_update=NOW - dt.timedelta(days=3))
        crl_path.write_bytes(stale.public_bytes(serialization.Encoding.PEM))
    try:
        response = exchange(client_for(tst_app)).respond(card)
        assert response.get_json()["code"] == "revocation_unknown"
    finally:
        crl_path.write_bytes(original)
    assert exchange(client_for(tst_app)).respond(card).status_code == 200  # CRL back: accepted again


@pytest.mark.parametrize("state", ["unknown", "inactive"])
def test_no_active_account(tst_app, uzi_authority, card_key, make_account, state, client_for, exchange):
    uzi = "900555111"
    if state == "inactive":
        make_account(tenant_id="tst", uzi_number=uzi, active=False)
    card = uzi_authority.issue(uzi, role="01.015", key=card_key)
    response = exchange(client_for(tst_app)).respond(card)
    assert response.status_code == 401 and response.get_json()["code"] == "no_account"


def test_account_of_another_tenant_does_not_count(tst_app, uzi_authority, card_key, make_account, client_for, exchange):
    account = make_account(tenant_id="tst2")
    card = uzi_authority.issue(account.uzi_number, role="01.015", key=card_key)
    assert exchange(client_for(tst_app)).respond(card).get_json()["code"] == "no_account"


def test_signature_must_cover_exactly_this_origin_tenant_and_challenge(tst_app, card, uzi_authority, client_for,
                                                                      exchange):
    exchange = exchange(client_for(tst_app))
    challenge = exchange.challenge()
    own = "zvp-uzi-login/2|http://localhost"
    for signed in (f"{own}|tst2|{challenge}", f"{own}|tst|{challenge}x", f"{own}|{challenge}",
                   f"zvp-uzi-login/2|http://localhost:8000|tst|{challenge}",
                   f"zvp-uzi-login/2|https://localhost|tst|{challenge}",
                   f"zvp-uzi-login/1|http://localhost|tst|{challenge}",
                   f"tst|{challenge}", challenge):  # the first format (no version, no origin) and less
        fresh = exchange.challenge()
        response = exchange.respond(card, fresh, signed=signed.replace(challenge, fresh).encode())
        assert response.get_json()["code"] == "signature_invalid", signed
    other_key_card = uzi_authority.issue(uzi_of(card), role="01.015")
    other_key_card.certificate = card.certificate  # right certificate, wrong key
    assert exchange.respond(other_key_card).get_json()["code"] == "signature_invalid"
    assert exchange.respond(card, signature="not base64!").get_json()["code"] == "signature_invalid"


def test_challenge_is_single_use(tst_app, uzi_platform, card, client_for, exchange):
    exchange = exchange(client_for(tst_app))
    challenge = exchange.challenge()
    assert exchange.respond(card, challenge).status_code == 200
    # The login gave a new session (and CSRF token); the old binding went with the old one.
    exchange.csrf = re.search(r'name="csrf_token" value="([^"]+)"', exchange.client.get("/").get_data(as_text=True))[1]
    replay = exchange.respond(card, challenge)
    assert replay.status_code == 401 and replay.get_json()["code"] == "challenge_other_session"
    with uzi_platform.database.session() as session:
        assert session.scalars(select(LoginChallenge.used_at).where(LoginChallenge.tenant_id == "tst")).all()


def test_challenge_used_after_a_failed_attempt(tst_app, card, uzi_authority, card_key, client_for, exchange):
    exchange = exchange(client_for(tst_app))
    challenge = exchange.challenge()
    wrong = uzi_authority.issue(uzi_of(card), role="01.015", kind="signature", key=card_key)
    assert exchange.respond(wrong, challenge).status_code == 401
    assert exchange.respond(card, challenge).get_json()["code"] == "challenge_used"


def test_expired_challenge(tst_app, card, uzi_platform, client_for, exchange):
    exchange = exchange(client_for(tst_app))
    challenge = exchange.challenge()
    with uzi_platform.database.session() as session:
        session.execute(update(LoginChallenge).where(LoginChallenge.tenant_id == "tst")
                        .values(expires_at=NOW - dt.timedelta(seconds=1)))
    assert exchange.respond(card, challenge).get_json()["code"] == "challenge_expired"


def test_unknown_challenge(tst_app, card, client_for, exchange):
    exchange = exchange(client_for(tst_app))
    exchange.challenge()
    assert exchange.respond(card, "A" * 43).get_json()["code"] == "challenge_unknown"


def test_challenge_of_another_tenant(uzi_platform, card, client_for, exchange):
    other = exchange(client_for(uzi_platform.apps["tst2"]))
    challenge = other.challenge()
    exchange = exchange(client_for(uzi_platform.apps["tst"]))
    assert exchange.respond(card, challenge).get_json()["code"] == "challenge_other_tenant"


def test_challenge_of_another_browser_session(tst_app, card, client_for, exchange):
    challenge = exchange(client_for(tst_app)).challenge()
    assert exchange(client_for(tst_app)).respond(card, challenge).get_json()["code"] == "challenge_other_session"


@pytest.mark.parametrize("payload", [None, [], {"challenge": "x"}, {"challenge": "x" * 43, "certificate": 5,
                                                                       "signature": "AA=="}])
def test_malformed_requests(tst_app, payload, client_for, exchange):
    exchange = exchange(client_for(tst_app))
    exchange.challenge()
    response = exchange.client.post("/login/uzi/response", json=payload, headers={"X-CSRFToken": exchange.csrf})
    assert response.status_code == 401
    assert response.get_json()["code"] in ("request_invalid", "challenge_unknown")


def test_garbage_certificate(tst_app, client_for, exchange):
    exchange = exchange(client_for(tst_app))
    challenge = exchange.challenge()
    response = exchange.client.post("/login/uzi/response", headers={"X-CSRFToken": exchange.csrf}, json={
        "challenge": challenge, "certificate": "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----",
        "chain": [], "signature": "AA=="})
    assert response.get_json()["code"] == "certificate_invalid"


def test_posts_without_csrf_token_are_refused(tst_app, client_for):
    client = client_for(tst_app)
    client.get("/login")
    response = client.post("/login/uzi/challenge")
    assert response.status_code == 401 and response.get_json()["code"] == "request_invalid"


def test_a_signature_for_another_origin_is_refused(tst_app, card, uzi_platform, client_for, exchange):
    """The helper names the origin it signed for; the portal compares it with its own origin
    and checks the signature over its own origin whatever the answer claims."""
    from portal_uzi_login.message import signed_message

    exchange = exchange(client_for(tst_app))
    for elsewhere in ("https://zorgverleners.zgt.nl", "http://localhost:8723", "http://evil.example"):
        fresh = exchange.challenge()
        response = exchange.respond(card, fresh, signed=signed_message(elsewhere, "tst", fresh), origin=elsewhere)
        assert response.status_code == 401 and response.get_json()["code"] == "origin_mismatch", elsewhere
        assert json.loads(last_login_audit(uzi_platform).details)["code"] == "origin_mismatch"
        fresh = exchange.challenge()  # the same, claiming the portal's own origin
        response = exchange.respond(card, fresh, signed=signed_message(elsewhere, "tst", fresh),
                                    origin=exchange.origin)
        assert response.get_json()["code"] == "signature_invalid", elsewhere
    assert exchange.respond(card, origin=exchange.origin).status_code == 200


def test_the_origin_is_the_one_behind_the_trusted_proxy(tst_app, card, client_for, exchange):
    """Behind the proxy the portal's origin is what the browser used (X-Forwarded-Proto and
    the Host the proxy passes), and only the proxy is believed."""
    from portal_uzi_login.message import signed_message

    proxied = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    client = client_for(tst_app)
    client.environ_base["REMOTE_ADDR"] = "127.0.0.1"
    exchange = exchange(client)
    fresh = exchange.challenge()
    response = exchange.client.post("/login/uzi/response", headers={"X-CSRFToken": exchange.csrf, **proxied}, json={
        "challenge": fresh, "certificate": card.certificate_pem, "chain": card.chain_pem,
        "signature": _b64(card.sign(signed_message("https://localhost", "tst", fresh)))})
    assert response.status_code == 200, response.get_json()
    # From a peer that is not the proxy the same headers count for nothing: http://localhost.
    client = client_for(tst_app)
    client.environ_base["REMOTE_ADDR"] = "192.0.2.50"
    exchange = exchange.__class__(client)
    fresh = exchange.challenge()
    response = exchange.client.post("/login/uzi/response", headers={"X-CSRFToken": exchange.csrf, **proxied}, json={
        "challenge": fresh, "certificate": card.certificate_pem, "chain": card.chain_pem,
        "signature": _b64(card.sign(signed_message("https://localhost", "tst", fresh)))})
    assert response.get_json()["code"] == "signature_invalid"


def test_the_challenge_comes_with_the_confirmation_code(tst_app, client_for, exchange):
    from portal_uzi_login.message import confirmation_code

    exchange = exchange(client_for(tst_app))
    answer = exchange.client.post("/login/uzi/challenge", headers={"X-CSRFToken": exchange.csrf}).get_json()
    assert answer["code"] == confirmation_code(answer["challenge"]) and len(answer["code"]) == 4


def _b64(data: bytes) -> str:
    import base64

    return base64.b64encode(data).decode("ascii")
