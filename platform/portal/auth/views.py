"""Login page, challenge/response API, proxy (TLS client certificate) path, demo login, logout.

CSRF: every POST here is protected by Flask-WTF like any other. The JSON endpoints take
the token in the ``X-CSRFToken`` header (the login page carries it in a meta tag; the
local helper reads it from the page), so no endpoint is exempt. The challenge is bound to
the browser session as well, which on its own already defeats login CSRF.
"""
from __future__ import annotations

from urllib.parse import unquote

from flask import Blueprint, current_app, flash, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy import select

from .. import context
from ..accounts.models import Account
from ..core.security import from_trusted_proxy, public_endpoint
from ..db import get_session
from ..web.origin import own_origin
from . import challenge as challenges
from .demo import demo_card, demo_enabled
from .errors import LoginRefused
from .service import BINDING_KEY, issue_challenge, login_with_certificate, logout, parse_certificates, refuse
from .uzi import load_pem_certificate

bp = Blueprint("auth", __name__, template_folder="templates")
NEXT_KEY = "login_next"


def _next_url() -> str:
    """Where the provider wanted to go before logging in (a local path only)."""
    target = session.get(NEXT_KEY) or ""
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return url_for("core.home")
    return target


def _refusal(exc: LoginRefused):
    return jsonify(exc.as_json()), 503 if exc.code == "audit_unavailable" else exc.status


@bp.errorhandler(CSRFError)
def _csrf_error(_exc):
    """A refused CSRF token or origin (``portal.web.origin``) on an auth endpoint."""
    if request.endpoint in ("auth.challenge", "auth.response"):
        return _refusal(LoginRefused("request_invalid"))
    if request.endpoint == "auth.logout":
        # Logging out must never leave a session alive: whoever asks to end it (a stale
        # form, even another site) gets it ended, which is what the provider wanted anyway.
        return _end_session()
    flash("Uw sessie was verlopen. Probeer het opnieuw.", "error")
    return redirect(url_for("auth.login"))


@bp.get("/login")
@public_endpoint
def login():
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    accounts = []
    if demo_enabled(current_app):
        tenant = context.tenant()
        accounts = get_session().scalars(select(Account).where(
            Account.tenant_id == tenant.id, Account.active.is_(True)).order_by(Account.name).limit(50)).all()
    return render_template("auth/login.html", demo_accounts=accounts, demo=demo_enabled(current_app))


@bp.post("/login/uzi/challenge")
@public_endpoint
def challenge():
    """A new challenge, its lifetime, and the confirmation code the page shows: the card
    helper shows the same code (computed from the challenge) next to its PIN question."""
    tenant = context.tenant()
    issued = issue_challenge(current_app)
    return jsonify(challenge=issued, expires_in=tenant.auth.challenge_seconds,
                   code=challenges.confirmation_code(issued))


@bp.post("/login/uzi/response")
@public_endpoint
def response():
    """The signed challenge. The card must have signed it for this portal's own origin: an
    ``origin`` the answer names (the helper names the one it signed for) must be that
    origin, and the signature is checked over this origin whatever the answer says."""
    payload = request.get_json(silent=True)
    tenant = context.tenant()
    origin = own_origin()
    cert = None
    try:
        if not isinstance(payload, dict) or not {"challenge", "certificate", "signature"} <= payload.keys():
            raise LoginRefused("request_invalid")
        with context.database().engine.begin() as conn:
            challenges.redeem(conn, payload["challenge"], tenant.id, session.get(BINDING_KEY))
        cert, chain = parse_certificates(payload["certificate"], payload.get("chain", []))
        if payload.get("origin", origin) != origin:
            raise LoginRefused("origin_mismatch")
    except LoginRefused as exc:
        return _refusal(refuse(exc, "challenge", cert))
    target = _next_url()
    try:
        login_with_certificate(current_app, cert, chain, "challenge", proof=lambda: challenges.verify_signature(
            cert, origin, tenant.id, payload["challenge"], payload["signature"]))
    except LoginRefused as exc:
        return _refusal(exc)
    return jsonify(next=target)


@bp.get("/login/uzi/tls")
@public_endpoint
def tls_login():
    """The proxy verified the card in the TLS handshake and forwards its certificate."""
    tenant = context.tenant()
    header = request.headers.get(tenant.auth.client_cert_header, "")
    cert = None
    try:
        if not from_trusted_proxy(tenant.auth.trusted_proxies):
            raise LoginRefused("untrusted_proxy")
        if not header.strip() or header.strip() == "(null)":
            raise LoginRefused("no_client_certificate")
        # nginx: $ssl_client_escaped_cert is URL-encoded PEM.
        cert = load_pem_certificate(unquote(header) if "%" in header else header)
    except LoginRefused as exc:
        exc = refuse(exc, "tls", cert)
        return _login_page_with(exc)
    target = _next_url()
    try:
        login_with_certificate(current_app, cert, [], "tls")
    except LoginRefused as exc:
        return _login_page_with(exc)
    return redirect(target)


def _login_page_with(exc: LoginRefused):
    flash(exc.message, "error")
    return render_template("auth/login.html", demo_accounts=[], demo=demo_enabled(current_app),
                           refusal=exc), 503 if exc.code == "audit_unavailable" else exc.status


@bp.post("/login/demo")
@public_endpoint
def demo_login():
    """Sign a fresh challenge with the server-held demo card, then the ordinary checks."""
    tenant = context.tenant()
    if not demo_enabled(current_app):
        return _login_page_with(refuse(LoginRefused("demo_login_disabled"), "demo"))
    account = get_session().get(Account, request.form.get("account_id", type=int) or -1)
    if account is None or account.tenant_id != tenant.id:
        return _login_page_with(refuse(LoginRefused("no_account"), "demo"))
    card = demo_card(current_app, account)
    issued = issue_challenge(current_app)
    origin = own_origin()
    signature = card.sign(challenges.signed_message(origin, tenant.id, issued))
    target = _next_url()
    try:
        with context.database().engine.begin() as conn:
            challenges.redeem(conn, issued, tenant.id, session.get(BINDING_KEY))
        login_with_certificate(current_app, card.certificate, card.chain, "demo",
                               proof=lambda: challenges.verify_signature(
                                   card.certificate, origin, tenant.id, issued, _b64(signature)))
    except LoginRefused as exc:
        return _login_page_with(exc)
    return redirect(target)


def _b64(data: bytes) -> str:
    import base64

    return base64.b64encode(data).decode("ascii")


@bp.post("/logout", endpoint="logout")
def logout_view():
    return _end_session()


def _end_session():
    """Log out whoever is logged in (audited; the session is cleared) and say so on the login
    page. Nobody logged in: nothing to end (a page remembered for after login stays)."""
    if current_user.is_authenticated:
        logout(current_user._get_current_object())
    flash("U bent uitgelogd.", "info")
    return redirect(url_for("auth.login"))
