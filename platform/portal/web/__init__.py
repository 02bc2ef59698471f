"""Production hardening of every tenant app: proxy trust, security headers, error pages,
rate limits, the health endpoint and scrubbed logs.

``init_app(app)``, called last by ``portal.app.create_app``, registers the health blueprint
and wires the rest into each tenant app:

- ``portal.core.security.TrustedProxyFix`` around the WSGI app: forwarded headers count
  only from the tenant's ``auth.trusted_proxies``;
- ``origin``: POST/PUT/PATCH/DELETE only from the portal's own origin (Origin,
  Sec-Fetch-Site), on top of the CSRF token;
- ``headers``: CSP, HSTS, Referrer-Policy, nosniff, Permissions-Policy, ``no-store``;
- ``errors``: Dutch error pages (JSON for APIs), 503 without database access when the
  database is down;
- ``ratelimit``: login per address and per card, search per provider (database-backed);
- ``logscrub``: BSN-like and patient numbers removed from ordinary log records;
- ``bench_page``: the page-sized baseline of ``make bench``, only with ``PORTAL_BENCH_PAGE=1``.
"""
from __future__ import annotations

from flask import Flask, Request
from werkzeug.exceptions import BadRequest

from .. import context
from ..core.security import TrustedProxyFix
from . import bench_page, errors, headers, logscrub, origin, ratelimit
from .health import bp

__all__ = ["PortalRequest", "bp", "init_app"]


class PortalRequest(Request):
    """Flask's request, except that JSON nested deeper than Python's recursion limit is
    bad JSON like any other (the standard parser raises RecursionError, which
    ``get_json(silent=True)`` would let through as a 500)."""

    def get_json(self, force: bool = False, silent: bool = False, cache: bool = True):
        try:
            return super().get_json(force=force, silent=silent, cache=cache)
        except RecursionError:
            if silent:
                return None
            raise BadRequest("JSON nested too deeply") from None


def init_app(app: Flask) -> None:
    """Register /gezondheid and wrap the app in the hardening below (last of all features)."""
    app.register_blueprint(bp)
    tenant = context.tenant_of(app)
    app.request_class = PortalRequest
    app.wsgi_app = TrustedProxyFix(app.wsgi_app, tenant.auth.trusted_proxies)  # type: ignore[method-assign]
    origin.init_app(app)
    headers.init_app(app)
    errors.init_app(app)
    ratelimit.init_app(app)
    bench_page.init_app(app)
    logscrub.install()

