"""``create_backoffice_app(tenant, platform, connector)``: the back office of one hospital.

Its own Flask app (not a blueprint of the GP portal): its own secret key and cookie name
(``beheer_<tenant>``), so a GP's session cookie means nothing here and a staff cookie means
nothing in the GP portal. It shares the database, the clock, the proxy trust, the origin
check and the security headers with the tenant's portal.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import Flask, render_template
from flask_wtf import CSRFProtect
from jinja2 import FileSystemLoader

from .. import context
from ..clock import HospitalClock
from ..core import formatting
from ..core.security import TrustedProxyFix
from ..settings import SettingsError, session_key
from ..tenants import TenantConfig
from ..web import headers, origin
from . import (
    accounts_views,
    chain_views,
    inzagelog_views,
    logreview_views,
    noodprocedure_views,
    queues_views,
    staff,
    views,
)

if TYPE_CHECKING:
    from ..platform import Platform

PORTAL_DIR = Path(__file__).resolve().parents[1]


def _secret_key(tenant: TenantConfig, platform: "Platform") -> str:
    return session_key(tenant.backoffice.secret_key_env, platform.settings, f"{tenant.id}-backoffice.key",
                       f"tenant '{tenant.id}': set backoffice.secret_key_env and that environment variable "
                       "(a random value of at least 32 characters, not the portal's own)")


def check_hostnames(tenants: list[TenantConfig]) -> None:
    """No back office hostname may also be a portal's (or another back office's)."""
    seen: dict[str, str] = {}
    for tenant in tenants:
        for host in tenant.hostnames:
            seen[host] = f"the portal of {tenant.id}"
    for tenant in tenants:
        if not tenant.backoffice.enabled:
            continue
        for host in tenant.backoffice.hostnames:
            if host in seen:
                raise SettingsError(f"tenant '{tenant.id}': back office hostname {host} is also {seen[host]}")
            seen[host] = f"the back office of {tenant.id}"


def create_backoffice_app(tenant: TenantConfig, platform: "Platform", connector: Any) -> Flask:
    app = Flask("portal.backoffice", root_path=str(PORTAL_DIR), static_folder="static",
                instance_path=str(platform.settings.instance_dir))
    app.config.update(
        SECRET_KEY=_secret_key(tenant, platform),
        SESSION_COOKIE_NAME=f"beheer_{tenant.id}",
        SESSION_COOKIE_SECURE=platform.settings.production,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        MAX_CONTENT_LENGTH=4 * 1024 * 1024,  # an accounts file
        TESTING=platform.settings.environment == "testing",
        WTF_CSRF_TIME_LIMIT=None,
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.jinja_loader = FileSystemLoader(str(Path(__file__).parent / "templates"))
    context.install(app, tenant=tenant, platform=platform, connector=connector, clock=HospitalClock(tenant.timezone))
    platform.database.init_app(app)
    CSRFProtect(app)
    formatting.init_app(app)
    staff.install(app)
    for blueprint in (views.bp, noodprocedure_views.bp, logreview_views.bp, inzagelog_views.bp,
                      accounts_views.bp, queues_views.bp, chain_views.bp):
        app.register_blueprint(blueprint)

    @app.context_processor
    def _layout() -> dict:
        return {"tenant": tenant}

    @app.errorhandler(403)
    def _forbidden(_exc):
        return render_template("backoffice/refused.html", reason="role"), 403

    @app.errorhandler(404)
    def _not_found(_exc):
        return render_template("backoffice/error.html", title="Niet gevonden"), 404

    @app.errorhandler(503)
    def _unavailable(_exc):
        return render_template("backoffice/error.html", title="Tijdelijk niet beschikbaar"), 503

    app.wsgi_app = TrustedProxyFix(app.wsgi_app, tenant.auth.trusted_proxies)  # type: ignore[method-assign]
    origin.init_app(app)
    headers.init_app(app)
    return app
