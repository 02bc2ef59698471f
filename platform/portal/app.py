"""``create_app(tenant, platform)``: one Flask app per hospital.

Each app has its own secret key, session cookie name, Jinja environment and loader
(tenant templates first), connector, clock and settings, so nothing of one tenant is
reachable through another's host. The feature modules are wired in ``_wire_features``.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from flask import Flask
from flask_wtf import CSRFProtect
from jinja2 import ChoiceLoader, FileSystemLoader

from . import auth, context, dezi, web
from .access import facts as access_facts
from .access import views as access_views
from .audit import api as audit_api
from .care_events import views as care_events_views
from .clock import HospitalClock
from .core import formatting, paging
from .core import views as core_views
from .core.ceiling import init_app as init_bench_ceiling
from .core.navigation import navigation_bar, navigation_for
from .epd.registry import build_connector
from .launch import views as launch_views
from .notifications import views as notifications_views
from .orders import views as orders_views
from .patient import views as patient_views
from .printing import views as printing_views
from .record import views as record_views
from .results import views as results_views
from .search import views as search_views
from .settings import session_key
from .tenants import TenantConfig
from .worklist import events as worklist_events
from .worklist import views as worklist_views

if TYPE_CHECKING:
    from .platform import Platform

PACKAGE_DIR = Path(__file__).parent

def _secret_key(tenant: TenantConfig, platform: "Platform") -> str:
    return session_key(tenant.secret_key_env, platform.settings, f"{tenant.id}.key",
                       f"tenant '{tenant.id}': set secret_key_env in tenant.yaml and that environment variable "
                       "(a random value of at least 32 characters)")


def create_app(tenant: TenantConfig, platform: "Platform") -> Flask:
    """Build the Flask app serving ``tenant``; raises on any configuration problem."""
    app = Flask("portal", root_path=str(PACKAGE_DIR), instance_path=str(platform.settings.instance_dir))
    production = platform.settings.production
    app.config.update(
        SECRET_KEY=_secret_key(tenant, platform),
        SESSION_COOKIE_NAME=f"portal_{tenant.id}",
        SESSION_COOKIE_SECURE=production,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        MAX_CONTENT_LENGTH=256 * 1024,
        TESTING=platform.settings.environment == "testing",
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the (server-side) session
        TEMPLATES_AUTO_RELOAD=platform.settings.environment == "development",
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    context.install(app, tenant=tenant, platform=platform, connector=build_connector(tenant, platform.settings),
                    clock=HospitalClock(tenant.timezone))
    # The tenant's own folder overrides any template; Flask then falls back to the
    # blueprints' template folders.
    app.jinja_loader = ChoiceLoader([
        FileSystemLoader(str(Path(tenant.folder) / "templates")),
        FileSystemLoader(str(PACKAGE_DIR / "templates")),
    ])
    platform.database.init_app(app)
    CSRFProtect(app)
    formatting.init_app(app)
    paging.init_app(app)
    _wire_features(app, tenant)
    init_bench_ceiling(app)

    @app.context_processor
    def _layout_context() -> dict:
        return {"tenant": tenant, "navigation": navigation_for(app, tenant),
                "navigation_bar": lambda: navigation_bar(app, tenant)}

    return app


def _wire_features(app: Flask, tenant: TenantConfig) -> None:
    """Every feature module, in order: its blueprint (routes and templates) and its hooks.

    Plain imports, one line per feature: what an app is made of reads top to bottom here.
    A feature behind a tenant menu (``orders``) is registered only where the tenant enables
    it, so elsewhere every URL of it answers 404. ``web`` comes last: it wraps the app in
    the proxy trust and adds headers, error pages and rate limits to everything above."""
    app.register_blueprint(core_views.bp)
    auth.init_portal_app(app, account_extras=access_facts.SESSION_ACCOUNT_EXTRAS)
    dezi.init_app(app)  # after auth: its session check runs once the provider is known
    audit_api.init_portal_app(app)
    for blueprint in (access_views.bp, search_views.bp, patient_views.bp, care_events_views.bp, record_views.bp,
                      results_views.bp):
        app.register_blueprint(blueprint)
    launch_views.init_app(app)
    if tenant.menu_enabled("orders"):
        app.register_blueprint(orders_views.bp)
    if tenant.menu_enabled("worklist"):
        app.register_blueprint(worklist_views.bp)
        # The e-mail counts the worklist's events: the worklist (a screen) hands its counter
        # to the notifications module, which imports no screen.
        notifications_views.init_app(app, count_events=worklist_events.count_new)
    app.register_blueprint(printing_views.bp)
    web.init_app(app)


def compile_templates(app: Flask) -> int:
    """Compile every template ``app`` can render into its Jinja cache; returns how many.

    ``portal.wsgi`` calls this in the gunicorn master before it forks (``preload_app``):
    every worker then starts with compiled templates, instead of compiling each on its
    first use, again in each worker that replaces one (``max_requests``)."""
    names = app.jinja_env.list_templates()
    for name in names:
        app.jinja_env.get_template(name)
    return len(names)
