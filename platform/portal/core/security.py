"""Who may reach what: public endpoints, and which peers may speak for the client.

Every endpoint requires a logged-in provider (``portal.auth`` enforces it before each
request) unless it is in ``PUBLIC_ENDPOINTS`` or its view is decorated with
``@public_endpoint``. Keep both short: anything public is reachable by anyone.

Forwarded headers (``X-Forwarded-For``/``-Proto``) and the forwarded client certificate
are believed from one place only: the direct TCP peer must be one of the tenant's
``auth.trusted_proxies``. ``TrustedProxyFix`` applies werkzeug's ``ProxyFix`` to such
requests alone, and ``from_trusted_proxy`` answers the same question for the
certificate header, so both rest on one list and one check.
"""
from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable
from typing import TypeVar

from flask import Flask, request
from werkzeug.middleware.proxy_fix import ProxyFix

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


def parse_networks(networks: Iterable[str]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(net, strict=False) for net in networks)


def address_in(address: str | None, networks) -> bool:
    """Is ``address`` (a literal IP) inside one of ``networks``? Anything unparsable: no."""
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return False
    return any(ip in net for net in networks)


def peer_address(environ: dict) -> str:
    """The direct TCP peer, also after ``TrustedProxyFix`` rewrote ``REMOTE_ADDR``."""
    original = environ.get(_PROXY_FIX_ORIGINAL) or {}
    return original.get("REMOTE_ADDR") or environ.get("REMOTE_ADDR") or ""


def from_trusted_proxy(proxies: Iterable[str] | None = None) -> bool:
    """Did the current request arrive from one of ``proxies`` (default: the tenant's
    ``auth.trusted_proxies``)?"""
    from flask import current_app

    if proxies is None:
        proxies = current_app.extensions["portal.tenant"].auth.trusted_proxies
    return address_in(peer_address(request.environ), parse_networks(proxies))


class TrustedProxyFix:
    """WSGI middleware: ``ProxyFix`` (one proxy hop: X-Forwarded-For and -Proto) for
    requests whose direct peer is a trusted proxy; every other request passes unchanged,
    so a client cannot choose its own address or scheme by sending those headers."""

    def __init__(self, app: Callable, proxies: Iterable[str]):
        self.app = app
        self.networks = parse_networks(proxies)
        self.fixed = ProxyFix(app, x_for=1, x_proto=1, x_host=0, x_port=0, x_prefix=0)

    def __call__(self, environ: dict, start_response: Callable):
        if self.networks and address_in(environ.get("REMOTE_ADDR"), self.networks):
            return self.fixed(environ, start_response)
        return self.app(environ, start_response)
