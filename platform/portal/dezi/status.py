"""Is a Dezi-verklaring still active? ``GET status_uri`` at login and during the session.

At login the answer must be ``actief`` (``dezi.status_active_value``): revoked refuses
(``dezi_revoked``), and a status service that cannot be reached refuses too
(``dezi_status_unknown``, fail closed: a login is never admitted on a verklaring nobody
could check).

During a session (``check_session``, before every request of a Dezi session, lazily: only
when ``dezi.status_check_seconds`` passed since the last check) revoked ends the session at
once. Unreachable is tolerated for ``dezi.status_grace_seconds`` after the last answer
``actief`` (grace: a short outage of Dezi must not log out every GP at once), after which
the session ends as well; 0 fails closed at once. With ``dezi.end_session_at_expiry`` the
session also ends when the verklaring's ``exp`` passes. An ended session is audited as a
logout naming why (``code``) and the GP reads why on the login page.
"""
from __future__ import annotations

import logging
import time

from flask import flash, jsonify, redirect, request, session, url_for
from flask_login import current_user, logout_user

from .. import context
from ..audit import Action, AuditWriteError, record
from ..db import get_session
from ..tenants.schema import TenantConfig
from . import transport
from .errors import DeziRefused

log = logging.getLogger(__name__)
#: The session's Dezi facts: status_uri, verklaring_id, exp, checked and ok (epoch seconds
#: of the last check and of the last answer "actief").
SESSION_KEY = "dezi"
#: HTTP answers of a status service meaning "no such (active) verklaring".
GONE = (404, 410)


def is_active(tenant: TenantConfig, status_uri: str) -> bool:
    """True: active; False: revoked (any other status, or the verklaring unknown there).
    ``DeziRefused("dezi_status_unknown")`` when there is no usable answer."""
    try:
        response = transport.request(tenant, "GET", status_uri, "status service",
                                     headers={"Accept": "application/json"})
    except DeziRefused as exc:
        raise DeziRefused("dezi_status_unknown", exc.problem) from None
    if response.status_code in GONE:
        return False
    try:
        status = response.json().get("status") if response.status_code == 200 else None
    except (ValueError, AttributeError):
        status = None
    if not isinstance(status, str):
        raise DeziRefused("dezi_status_unknown", f"status service answered HTTP {response.status_code}")
    return status == tenant.dezi.status_active_value


def remember(verklaring_id: str, status_uri: str, expires: int) -> None:
    """Put the facts the session checks into the (fresh) session of a Dezi login."""
    now = time.time()
    session[SESSION_KEY] = {"verklaring_id": verklaring_id, "status_uri": status_uri, "exp": expires,
                            "checked": now, "ok": now}


def check_session():
    """Before each request of a Dezi session: end it when the verklaring was revoked, expired
    or could not be checked for longer than the grace; otherwise nothing (None)."""
    facts = session.get(SESSION_KEY)
    if not isinstance(facts, dict) or request.endpoint == "static" or not current_user.is_authenticated:
        return None
    tenant = context.tenant()
    config = tenant.dezi
    now = time.time()
    if config.end_session_at_expiry and now >= facts.get("exp", 0):
        return _end("dezi_expired", facts)
    if now - facts.get("checked", 0) < config.status_check_seconds:
        return None
    try:
        active = is_active(tenant, facts.get("status_uri", ""))
    except DeziRefused as exc:
        if now - facts.get("ok", 0) >= config.status_grace_seconds:
            return _end("dezi_status_unknown", facts, exc.problem)
        log.warning("dezi status of a session unknown (%s); within the grace", exc.problem)
        session[SESSION_KEY] = {**facts, "checked": now}
        return None
    if not active:
        return _end("dezi_revoked", facts)
    session[SESSION_KEY] = {**facts, "checked": now, "ok": now}
    return None


def _end(code: str, facts: dict, problem: str | None = None):
    from ..accounts.models import Account
    from .audit import event

    refusal = DeziRefused(code, problem)
    account = get_session().get(Account, current_user.account_id)
    try:
        record(event("success", code=code, problem=problem, account=account, action=Action.LOGOUT,
                     extra={"verklaring_id": str(facts.get("verklaring_id", ""))}))
    except AuditWriteError:
        log.exception("the end of a dezi session could not be audited; it is ended anyway")
    log.info("dezi session ended: %s", code)
    logout_user()
    session.clear()
    if request.method == "GET" and not request.is_json:
        flash(f"U bent uitgelogd. {refusal.message}", "error")
        return redirect(url_for("auth.login"))
    return jsonify(code=code, message=refusal.message), 401
