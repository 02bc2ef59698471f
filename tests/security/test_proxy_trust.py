"""Forwarded headers are believed only from the tenant's trusted proxies (one mechanism
for X-Forwarded-For/-Proto and the forwarded client certificate)."""
import socket

import pytest
from flask import request

from portal.core.security import TrustedProxyFix, address_in, from_trusted_proxy, parse_networks
from support.access import HAP_ADDRESS


class FakeSocket:
    """What gunicorn puts in ``environ["gunicorn.socket"]``, as far as the portal looks."""

    def __init__(self, family: int):
        self.family = family


def _seen(app, peer: str, proxies=None, family: int | None = None, **headers) -> tuple[str, str]:
    """(remote_addr, scheme) as the tenant app sees a request from ``peer`` (over a socket
    of ``family`` when given), its proxies being ``proxies`` (default: loopback)."""
    seen = {}

    def probe(environ, start_response):
        with app.request_context(environ):
            seen["addr"], seen["scheme"] = request.remote_addr, request.scheme
            seen["trusted"] = from_trusted_proxy(proxies or ["127.0.0.1/32"])
        start_response("204 No Content", [])
        return [b""]

    wrapped = TrustedProxyFix(probe, proxies or ["127.0.0.1/32"])
    from werkzeug.test import Client

    environ = {"REMOTE_ADDR": peer}
    if family is not None:
        environ["gunicorn.socket"] = FakeSocket(family)
    Client(wrapped).get("/", environ_base=environ,
                        headers={"X-Forwarded-For": headers.get("xff", ""), "X-Forwarded-Proto": "https"})
    return seen["addr"], seen["scheme"], seen["trusted"]


def test_forwarded_headers_from_the_proxy_are_applied(app):
    assert _seen(app, "127.0.0.1", xff="203.0.113.5") == ("203.0.113.5", "https", True)


def test_forwarded_headers_from_anyone_else_are_ignored(app):
    assert _seen(app, "198.51.100.9", xff=HAP_ADDRESS["zgt"]) == ("198.51.100.9", "http", False)


def test_requests_over_the_unix_socket_come_from_the_proxy_when_listed(app):
    # gunicorn gives a Unix socket peer an empty address.
    assert _seen(app, "", ["unix"], socket.AF_UNIX, xff="203.0.113.5") == ("203.0.113.5", "https", True)


def test_requests_over_the_unix_socket_are_not_trusted_unless_listed(app):
    assert _seen(app, "", ["127.0.0.1/32"], socket.AF_UNIX, xff="203.0.113.5") == ("", "http", False)


def test_loopback_over_tcp_is_not_the_proxy_when_the_socket_is(app):
    """Another process on the proxy's machine, straight to a TCP port of gunicorn."""
    assert _seen(app, "127.0.0.1", ["unix"], socket.AF_INET, xff="10.88.4.20") == ("127.0.0.1", "http", False)
    assert _seen(app, "127.0.0.1", ["unix"], xff="10.88.4.20") == ("127.0.0.1", "http", False)


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
