"""nginx in front, gunicorn on its Unix socket: the card in the TLS handshake logs in, the
certificate header counts from the proxy alone, HSTS comes once, non-browser clients (the
card helper's ``login``) need no Referer."""
from __future__ import annotations

import stat
from urllib.parse import quote

import httpx
from sqlalchemy import text

from support.production import CARD_LABEL, CARD_PIN

HOST = "zgt.localhost"


def last_login(stack) -> tuple[str, str | None, str | None]:
    """(outcome, refusal code, network address) of the newest login record of ZGT."""
    with stack.platform.database.engine.connect() as conn:
        row = conn.execute(text("SELECT outcome, details, network_address FROM audit_log WHERE tenant_id = 'zgt' "
                                "AND action = 'login' ORDER BY seq DESC LIMIT 1")).one()
    import json

    details = row.details if isinstance(row.details, dict) else json.loads(row.details or "{}")
    return row.outcome, details.get("code"), row.network_address


def test_the_card_in_the_tls_handshake_logs_in_through_nginx(stack):
    with stack.client(card=True) as browser:
        answer = browser.get("/login/uzi/tls")
        assert answer.status_code == 302, answer.text[-400:]
        assert stack.case.account_name in browser.get("/").text
    assert last_login(stack) == ("success", None, "127.0.0.1")


def test_the_card_helper_logs_in_over_https_without_a_referer(stack, softhsm):
    """``portal-uzi-login login``'s exchange: an HTTP client sending neither Referer nor
    Origin; the CSRF token alone vouches for it."""
    from portal_uzi_login.card import Card
    from portal_uzi_login.exchange import exchange

    asked = []
    with stack.client() as client:
        assert exchange(stack.base_url, Card(softhsm.library, CARD_LABEL), lambda r: asked.append(r) or CARD_PIN,
                        client) == "/"
        assert stack.case.account_name in client.get("/").text
    assert [(r.portal_origin, r.tenant_id) for r in asked] == [(stack.base_url, "zgt")]
    assert last_login(stack) == ("success", None, "127.0.0.1")


def test_the_certificate_header_counts_from_the_proxy_alone(stack):
    forged = quote(stack.card_cert.read_text(), safe="")
    # Straight to gunicorn's TCP port on loopback: some other process on the proxy's machine.
    direct = httpx.get(f"http://127.0.0.1:{stack.tcp_port}/login/uzi/tls", headers={
        "Host": HOST, "X-SSL-Client-Cert": forged, "X-Forwarded-Proto": "https", "X-Forwarded-For": "10.88.4.20"})
    assert direct.status_code == 401 and "niet via de beveiligde verbinding" in direct.text
    assert last_login(stack) == ("failure", "untrusted_proxy", "127.0.0.1")
    # Through nginx without a card: nginx drops the client's copy of the header.
    with stack.client() as client:
        answer = client.get("/login/uzi/tls", headers={"X-SSL-Client-Cert": forged})
    assert answer.status_code == 401 and "Er is geen UZI-pas aangeboden" in answer.text
    assert last_login(stack)[:2] == ("failure", "no_client_certificate")


def test_hsts_is_sent_once(stack):
    with stack.client() as client:
        for path in ("/login", "/static/portal.css", "/bestaat-niet"):
            answer = client.get(path)
            assert len(answer.headers.get_list("strict-transport-security")) == 1, (path, answer.headers)


def test_only_the_socket_owner_and_group_may_connect(stack):
    mode = stack.socket.stat().st_mode
    assert stat.S_ISSOCK(mode) and stat.S_IMODE(mode) == 0o770, oct(mode)
