"""Who may reach what: public endpoints, and which peers may speak for the client.

Every endpoint requires a logged-in provider (``portal.auth`` enforces it before each
request) unless it is in ``PUBLIC_ENDPOINTS`` or its view is decorated with
``@public_endpoint``. Keep both short: anything public is reachable by anyone.

Forwarded headers (``X-Forwarded-For``/``-Proto``) and the forwarded client certificate
are believed from one place only: the direct peer must be one of the tenant's
``auth.trusted_proxies``. An entry is an address or network (CIDR) of a proxy reaching
gunicorn over TCP, or ``unix``: the request came in over gunicorn's Unix socket, which only
the proxy can open (config/gunicorn.conf.py; README, "Deploy"). Nothing else is trusted —
loopback neither, since any process on the machine can connect there.
``TrustedProxyFix`` applies werkzeug's ``ProxyFix`` to such requests alone, and
``from_trusted_proxy`` answers the same question for the certificate header, so both rest
on one list and one check (``trusted_peer``).
"""
from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

from flask import Flask, request
from werkzeug.middleware.proxy_fix import ProxyFix

from .. import context

F = TypeVar("F", bound=Callable)

#: Endpoints of the foundation that are public by nature.
#: The home page is public: it shows the hospital's portal and how to log in, no patient data.
PUBLIC_ENDPOINTS = frozenset({"static", "core.home", "core.login_help", "core.theme_file"})

#: Where ProxyFix keeps the headers it replaced (werkzeug's own key).
_PROXY_FIX_ORIGINAL = "werkzeug.proxy_fix.orig"


def public_endpoint(view: F) -> F:
    """Mark a view as reachable without login (login pages, health checks)."""
    view.public_endpoint = True  # type: ignore[attr-defined]
    return view


def is_public(app: Flask, endpoint: str | None) -> bool:
    if endpoint is None:
        return False
    if endpoint in PUBLIC_ENDPOINTS:
        return True
    return bool(getattr(app.view_functions.get(endpoint), "public_endpoint", False))


#: The ``auth.trusted_proxies`` entry for "arrived over gunicorn's Unix socket".
UNIX_SOCKET = "unix"


def parse_networks(networks: Iterable[str]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(net, strict=False) for net in networks)


def address_in(address: str | None, networks) -> bool:
    """Is ``address`` (a literal IP) inside one of ``networks``? Anything unparsable: no."""
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return False
    return any(ip in net for net in networks)


def over_unix_socket(environ: dict) -> bool:
    """Did the request come in over a Unix socket? Known from the connection itself
    (gunicorn puts it in ``gunicorn.socket``), never from anything the client sent;
    a server that does not expose its socket: no."""
    return getattr(environ.get("gunicorn.socket"), "family", None) == socket.AF_UNIX


@dataclass(frozen=True)
class ProxyTrust:
    """A tenant's ``auth.trusted_proxies``, parsed: networks, and whether ``unix`` is listed."""

    networks: tuple
    unix: bool = False

    @classmethod
    def parse(cls, entries: Iterable[str]) -> "ProxyTrust":
        entries = tuple(entries)
        return cls(parse_networks(e for e in entries if e != UNIX_SOCKET), UNIX_SOCKET in entries)

    def __bool__(self) -> bool:
        return self.unix or bool(self.networks)

    def trusts(self, environ: dict, address: str | None) -> bool:
        """Is the direct peer of ``environ`` (at TCP ``address``) a trusted proxy?"""
        if over_unix_socket(environ):
            return self.unix
        return address_in(address, self.networks)


def peer_address(environ: dict) -> str:
    """The direct TCP peer, also after ``TrustedProxyFix`` rewrote ``REMOTE_ADDR``."""
    original = environ.get(_PROXY_FIX_ORIGINAL) or {}
    return original.get("REMOTE_ADDR") or environ.get("REMOTE_ADDR") or ""


def trusted_peer(environ: dict, proxies: Iterable[str]) -> bool:
    """Did the request in ``environ`` arrive straight from one of ``proxies``?"""
    return ProxyTrust.parse(proxies).trusts(environ, peer_address(environ))


def from_trusted_proxy(proxies: Iterable[str] | None = None) -> bool:
    """Did the current request arrive from one of ``proxies`` (default: the tenant's
    ``auth.trusted_proxies``)?"""
    if proxies is None:
        proxies = context.tenant().auth.trusted_proxies
    return trusted_peer(request.environ, proxies)


class TrustedProxyFix:
    """WSGI middleware: ``ProxyFix`` (one proxy hop: X-Forwarded-For and -Proto) for
    requests whose direct peer is a trusted proxy; every other request passes unchanged,
    so a client cannot choose its own address or scheme by sending those headers."""

    def __init__(self, app: Callable, proxies: Iterable[str]):
        self.app = app
        self.trust = ProxyTrust.parse(proxies)
        self.fixed = ProxyFix(app, x_for=1, x_proto=1, x_host=0, x_port=0, x_prefix=0)

    def __call__(self, environ: dict, start_response: Callable):
        if self.trust and self.trust.trusts(environ, environ.get("REMOTE_ADDR")):
            return self.fixed(environ, start_response)
        return self.app(environ, start_response)
