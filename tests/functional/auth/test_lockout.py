"""Nobody can lock a GP out, or put a failed login in the log in their name, with the GP's
certificate alone (it is public) or a certificate claiming their UZI number.

Only attempts whose certificate verified *and* whose card proved to be there (the challenge
signature; the TLS handshake at the proxy) are the provider's: they count against the card's
limit and name the provider in the audit log. Every other attempt is limited per address
and logged with the number it claims, as ``claimed_uzi`` with ``verified: no``.
"""
import json
from urllib.parse import quote

from sqlalchemy import func, select

from portal.audit.models import AuditRecord
from portal.auth.cards import UziAuthority
from support.hardening import with_limits


def newest_seq(platform) -> int:
    with platform.database.session() as session:
        return session.scalar(select(func.max(AuditRecord.seq)).where(AuditRecord.tenant_id == "tst")) or 0


def logins_after(platform, seq: int) -> list[AuditRecord]:
    with platform.database.session() as session:
        return session.scalars(select(AuditRecord).where(
            AuditRecord.tenant_id == "tst", AuditRecord.seq > seq, AuditRecord.action == "login")
            .order_by(AuditRecord.seq)).all()


def assert_claimed_only(entry: AuditRecord, uzi_number: str, code: str) -> None:
    """A refusal naming nobody: the number only as claimed, unverified."""
    assert (entry.outcome, entry.user_uzi, entry.user_name, entry.user_role, entry.user_agb) == (
        "failure", None, None, None, None)
    details = json.loads(entry.details)
    assert (details["code"], details["claimed_uzi"], details["verified"]) == (code, uzi_number, "no")


def test_a_forged_or_borrowed_certificate_neither_locks_the_gp_out_nor_speaks_for_them(
        tst_app, uzi_platform, gp, card, card_key, uzi_authority, client_for, exchange, monkeypatch):
    with_limits(monkeypatch, tst_app, login_per_card=(2, 300))
    rogue = UziAuthority.create(name="ROGUE").issue(gp.uzi_number, role="01.015", key=card_key)
    public_only = uzi_authority.issue(gp.uzi_number, role="01.015")  # another key ...
    public_only.certificate = card.certificate  # ... with the GP's real (public) certificate
    start = newest_seq(uzi_platform)
    for attempt in range(4):  # twice the card's limit, from changing addresses
        client = client_for(tst_app)
        client.environ_base["REMOTE_ADDR"] = f"203.0.113.{attempt}"
        assert exchange(client).respond(rogue).get_json()["code"] == "untrusted_chain"
        assert exchange(client).respond(public_only).get_json()["code"] == "signature_invalid"

    # The GP's own card: the attempts above did not count against it.
    response = exchange(client_for(tst_app)).respond(card)
    assert response.status_code == 200, response.get_json()

    entries = logins_after(uzi_platform, start)
    refusals, (success,) = entries[:-1], entries[-1:]
    assert len(refusals) == 8
    for entry in refusals:
        assert_claimed_only(entry, gp.uzi_number, json.loads(entry.details)["code"])
    assert (success.outcome, success.user_uzi, json.loads(success.details)["verified"]) == (
        "success", gp.uzi_number, "yes")


def test_no_failed_login_is_recorded_in_the_gps_name_without_their_card(
        tst_app, uzi_platform, gp, card, client_for, exchange):
    start = newest_seq(uzi_platform)
    client = client_for(tst_app)
    exchange(client).respond(card, signature="AAAA")  # the GP's certificate, no card behind it
    with uzi_platform.database.session() as session:
        named = session.scalar(select(func.count()).where(
            AuditRecord.tenant_id == "tst", AuditRecord.seq > start, AuditRecord.user_uzi == gp.uzi_number))
    assert named == 0


def test_attempts_with_the_card_count_against_the_card(tst_app, uzi_platform, gp, card, client_for, exchange,
                                                       monkeypatch):
    with_limits(monkeypatch, tst_app, login_per_card=(2, 300))
    start = newest_seq(uzi_platform)
    statuses = []
    for attempt in range(3):
        client = client_for(tst_app)
        client.environ_base["REMOTE_ADDR"] = f"198.51.100.{40 + attempt}"
        statuses.append(exchange(client).respond(card).status_code)
    assert statuses == [200, 200, 429]
    refused = logins_after(uzi_platform, start)[-1]
    assert (refused.outcome, refused.user_uzi) == ("failure", gp.uzi_number)
    assert json.loads(refused.details) == {"code": "too_many_attempts", "method": "challenge", "verified": "yes"}


def test_unverified_attempts_are_limited_per_address(tst_app, uzi_platform, gp, card_key, client_for, exchange,
                                                     monkeypatch):
    with_limits(monkeypatch, tst_app, login_per_address=(5, 300))
    rogue = UziAuthority.create(name="ROGUE").issue(gp.uzi_number, role="01.015", key=card_key)
    client = client_for(tst_app)
    client.environ_base["REMOTE_ADDR"] = "203.0.113.200"
    exchange = exchange(client)  # GET /login is not limited; each challenge and each response counts
    codes = [exchange.respond(rogue).get_json()["code"] for _ in range(3)]
    assert codes[0] == "untrusted_chain" and codes[-1] == "too_many_attempts"


def test_a_tls_login_with_an_unverified_certificate_names_nobody(tst_app, uzi_platform, gp, card_key, client_for):
    rogue = UziAuthority.create(name="ROGUE").issue(gp.uzi_number, role="01.015", key=card_key)
    start = newest_seq(uzi_platform)
    client = client_for(tst_app)
    header = tst_app.extensions["portal.tenant"].auth.client_cert_header
    response = client.get("/login/uzi/tls", headers={header: quote(rogue.certificate_pem, safe="")},
                          environ_base={"REMOTE_ADDR": "127.0.0.1"})  # the trusted proxy
    assert response.status_code == 401
    (entry,) = logins_after(uzi_platform, start)
    assert_claimed_only(entry, gp.uzi_number, "untrusted_chain")
