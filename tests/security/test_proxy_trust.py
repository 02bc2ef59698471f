"""Forwarded headers are believed only from the tenant's trusted proxies (one mechanism
for X-Forwarded-For/-Proto and the forwarded client certificate)."""
import pytest
from flask import request

from portal.core.security import TrustedProxyFix, address_in, parse_networks
from support.access import HAP_ADDRESS


def _seen(app, peer: str, **headers) -> tuple[str, str]:
    """(remote_addr, scheme) as the tenant app sees a request from ``peer``."""
    seen = {}

    def probe(environ, start_response):
        with app.request_context(environ):
            seen["addr"], seen["scheme"] = request.remote_addr, request.scheme
        start_response("204 No Content", [])
        return [b""]

    wrapped = TrustedProxyFix(probe, app.extensions["portal.tenant"].auth.trusted_proxies or ["127.0.0.1/32"])
    from werkzeug.test import Client

    Client(wrapped).get("/", environ_base={"REMOTE_ADDR": peer},
                        headers={"X-Forwarded-For": headers.get("xff", ""), "X-Forwarded-Proto": "https"})
    return seen["addr"], seen["scheme"]


def test_forwarded_headers_from_the_proxy_are_applied(app):
    assert _seen(app, "127.0.0.1", xff="203.0.113.5") == ("203.0.113.5", "https")


def test_forwarded_headers_from_anyone_else_are_ignored(app):
    assert _seen(app, "198.51.100.9", xff=HAP_ADDRESS["zgt"]) == ("198.51.100.9", "http")


def test_only_the_last_hop_counts(app):
    # nginx appends the real peer; whatever the client put in front of it is ignored.
    assert _seen(app, "127.0.0.1", xff="10.88.4.20, 203.0.113.5")[0] == "203.0.113.5"


@pytest.mark.parametrize("address, inside", [("127.0.0.1", True), ("127.0.0.2", False), ("::1", False),
                                             ("not-an-ip", False), ("", False), ("10.0.0.1\x00", False)])
def test_address_in(address, inside):
    assert address_in(address, parse_networks(["127.0.0.1/32"])) is inside


def test_a_spoofed_hap_address_gets_no_noodprocedure(selected, app, tenant_id):
    """A client claiming a HAP address in X-Forwarded-For is still judged by its own address."""
    client = selected.client
    client.environ_base["REMOTE_ADDR"] = "198.51.100.9"
    response = client.get("/", headers={"X-Forwarded-For": HAP_ADDRESS[tenant_id]})
    assert response.status_code == 200
    with app.test_request_context(environ_base={"REMOTE_ADDR": "198.51.100.9"},
                                  headers={"X-Forwarded-For": HAP_ADDRESS[tenant_id]}):
        from portal.access import guard

        assert guard.at_hap() is False
