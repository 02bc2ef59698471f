"""Logging in and out with the hospital's SSO, and the start page with its counts."""
from __future__ import annotations

import logging
import secrets

from flask import Blueprint, abort, redirect, render_template, request, session, url_for
from sqlalchemy import func, select

from .. import context
from ..access.models import PatientNotification
from ..accounts.models import Account
from ..audit.events import Action
from ..patient.models import DeathNotificationRecord
from . import noodprocedure, sso, staff, trail
from .models import Signal
from .staff import StaffMember, staff_view

bp = Blueprint("backoffice", __name__, template_folder="templates")
_log = logging.getLogger(__name__)
ALL_STAFF = ("privacy_officer", "application_manager", "service_desk")


@bp.get("/inloggen")
def login():
    """The login page: one button to the hospital's SSO."""
    return render_template("backoffice/login.html")


@bp.get("/inloggen/sso")
def start_login():
    """To the hospital's SSO (a link, not a form: the page's CSP allows forms only to itself)."""
    tenant = context.tenant()
    try:
        provider = sso.discover(tenant)
    except sso.SsoRefused as exc:
        _log.warning("back office SSO unavailable for tenant %s: %s", tenant.id, exc)
        return render_template("backoffice/login.html", error="unavailable"), 503
    verifier, challenge = sso.pkce_pair()
    state, nonce = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
    session["sso"] = {"state": state, "nonce": nonce, "verifier": verifier}
    return redirect(sso.authorize_url(provider, tenant, redirect_uri=url_for("backoffice.callback", _external=True),
                                      state=state, nonce=nonce, challenge=challenge))


@bp.get("/inloggen/terug")
def callback():
    tenant = context.tenant()
    pending = session.pop("sso", None)
    if not isinstance(pending, dict) or not secrets.compare_digest(request.args.get("state", ""), pending["state"]) \
            or not request.args.get("code"):
        return render_template("backoffice/login.html", error="failed"), 400
    try:
        provider = sso.discover(tenant)
        id_token = sso.exchange(provider, tenant, code=request.args["code"],
                                redirect_uri=url_for("backoffice.callback", _external=True),
                                verifier=pending["verifier"])
        who = sso.identity(provider, tenant, id_token, pending["nonce"])
    except sso.SsoRefused as exc:
        _log.warning("back office login refused for tenant %s: %s", tenant.id, exc)
        trail.audit(None, Action.LOGIN, "login", "inloggen mislukt", outcome="failure", details={"problem": str(exc)})
        return render_template("backoffice/login.html", error="failed"), 400
    member = StaffMember(subject=who.subject, name=who.name, roles=who.roles)
    if not who.roles:
        trail.audit(member, Action.LOGIN, "login", "inloggen zonder beheerrol", outcome="denied")
        return render_template("backoffice/refused.html", reason="role"), 403
    trail.audit(member, Action.LOGIN, "login", "ingelogd")
    staff.log_in(who.subject, who.name, who.roles)
    return redirect(url_for("backoffice.home"))


@bp.post("/uitloggen")
def logout():
    member = staff.current()
    if member is not None:
        trail.audit(member, Action.LOGOUT, "logout", "uitgelogd")
    session.clear()
    return redirect(url_for("backoffice.logged_out"))


@bp.get("/uitgelogd")
def logged_out():
    return render_template("backoffice/logged_out.html")


@bp.get("/")
@staff_view(*ALL_STAFF)
def home():
    """Counts of what waits, per task the staff member's roles allow."""
    member = staff.current()
    if member is None:
        abort(403)
    tenant_id = context.tenant().id
    counts: dict[str, int] = {}
    with context.database().session() as db:
        if member.may("privacy_officer"):
            counts["open_reviews"] = noodprocedure.open_count(db, tenant_id)
            counts["open_signals"] = db.scalar(select(func.count()).select_from(Signal).where(
                Signal.tenant_id == tenant_id, Signal.closed_at.is_(None))) or 0
        if member.may("privacy_officer", "application_manager"):
            counts["notifications"] = db.scalar(select(func.count()).select_from(PatientNotification).where(
                PatientNotification.tenant_id == tenant_id, PatientNotification.sent_at.is_(None))) or 0
        if member.may("application_manager"):
            counts["death_notifications"] = db.scalar(select(func.count()).select_from(DeathNotificationRecord).where(
                DeathNotificationRecord.tenant_id == tenant_id, DeathNotificationRecord.processed_at.is_(None),
                DeathNotificationRecord.withdrawn_at.is_(None))) or 0
        if member.may("application_manager", "service_desk"):
            counts["active_accounts"] = db.scalar(select(func.count()).select_from(Account).where(
                Account.tenant_id == tenant_id, Account.active.is_(True))) or 0
    trail.audit(member, Action.VIEW, "home", "startpagina")
    return render_template("backoffice/home.html", counts=counts)
