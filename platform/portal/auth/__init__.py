"""UZI-pas login, server-side sessions and the login requirement of every page.

Wired into each tenant app by ``init_portal_app(app, account_extras)``, which
``portal.app.create_app`` calls:

- ``flask.session`` is stored in the database (``sessions.DatabaseSessionInterface``);
- Flask-Login's ``current_user`` is a ``service.Provider`` (account_id, tenant_id,
  uzi_number, name, role, agb_code, practice_agb, practice_name, card_type);
- every endpoint requires login except those ``portal.core.security.is_public`` allows;
  anonymous page requests are redirected to the login page, other requests get 401.
"""
from __future__ import annotations

from flask import Flask, current_app, jsonify, redirect, request, session, url_for
from flask_login import LoginManager, current_user

from .. import context
from ..core.security import is_public
from .demo import check_demo_setting
from .sessions import AccountExtras, DatabaseSessionInterface
from .views import NEXT_KEY, bp

__all__ = ["bp", "init_portal_app"]


def _load_provider(user_id: str):
    from sqlalchemy import select

    from ..accounts.models import Account
    from ..db import get_database
    from .service import provider_from

    if not user_id.isdigit():
        return None
    # Every page asks. The session read the account with its own row; otherwise (a session
    # from before login) one SELECT in autocommit, no request transaction just for this.
    account = getattr(session, "account", None)
    if account is None or account.id != int(user_id):
        accounts = Account.__table__
        with get_database().autocommit() as conn:
            account = conn.execute(select(accounts).where(accounts.c.id == int(user_id))).first()
    tenant = context.tenant()
    if account is None or not account.active or account.tenant_id != tenant.id:
        return None
    return provider_from(account, session.get("auth_card_type", ""))  # type: ignore[arg-type]  # a row reads as an Account


def _require_login():
    if is_public(current_app, request.endpoint) or current_user.is_authenticated:
        return None
    if request.endpoint is None:
        return None  # unknown URL: let it 404 as usual
    if request.method == "GET" and not request.is_json:
        session[NEXT_KEY] = request.full_path.rstrip("?") if request.query_string else request.path
        return redirect(url_for("auth.login"))
    return jsonify(code="login_required", message="U bent niet (meer) ingelogd."), 401


def init_portal_app(app: Flask, account_extras: AccountExtras | None = None) -> None:
    """Register the login blueprint, the database sessions (with the features' per-account
    ``account_extras``, see ``sessions``) and the login requirement of every page."""
    app.register_blueprint(bp)
    platform = context.platform_of(app)
    tenant = context.tenant_of(app)
    check_demo_setting(tenant, platform.settings)
    if platform.settings.production:
        # __Host-: the browser only accepts it over HTTPS, for this host, for path "/".
        app.config["SESSION_COOKIE_NAME"] = f"__Host-{app.config['SESSION_COOKIE_NAME']}"
        app.config["SESSION_COOKIE_SECURE"] = True
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.session_interface = DatabaseSessionInterface(account_extras)
    manager = LoginManager()
    manager.session_protection = None  # a fresh session id at login and server-side expiry instead
    manager.login_view = "auth.login"
    manager.user_loader(_load_provider)
    manager.init_app(app)
    app.before_request(_require_login)

