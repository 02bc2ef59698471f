"""Who is at the back office: the staff session, the address ranges, and the role each screen asks.

The staff member lives in the back office's own signed cookie (``beheer_<tenant>``, its own
secret): name, SSO subject, roles, when they logged in and were last seen. Before anything
else, a request from outside the hospital's ``backoffice.allowed_ranges`` (the client address
after the tenant's trusted proxies) is refused; then every endpoint but the login's asks for
a staff session within its idle and absolute lifetime.
"""
from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, abort, g, redirect, render_template, request, session, url_for

from .. import context
from ..access.network import in_ranges
from ..audit.events import Action
from . import trail

ROLE_NAMES = {"privacy_officer": "privacy officer", "application_manager": "applicatiebeheerder",
              "service_desk": "servicedesk"}
#: Endpoints reachable without a staff session (still only from the hospital's ranges).
OPEN_ENDPOINTS = frozenset({"static", "backoffice.login", "backoffice.start_login", "backoffice.callback",
                            "backoffice.logged_out"})


@dataclass(frozen=True)
class StaffMember:
    subject: str
    name: str
    roles: tuple[str, ...]

    def may(self, *roles: str) -> bool:
        return any(role in self.roles for role in roles)


def log_in(subject: str, name: str, roles: tuple[str, ...]) -> None:
    session.clear()
    now = int(time.time())
    session["staff"] = {"sub": subject, "name": name, "roles": list(roles), "login_at": now, "seen_at": now}


def current() -> StaffMember | None:
    return g.get("staff")


def _load() -> StaffMember | None:
    data = session.get("staff")
    if not isinstance(data, dict):
        return None
    config = context.tenant().backoffice
    now = int(time.time())
    if now - data.get("seen_at", 0) > config.idle_timeout_minutes * 60 \
            or now - data.get("login_at", 0) > config.absolute_lifetime_hours * 3600:
        session.clear()
        return None
    data["seen_at"] = now
    session.modified = True
    return StaffMember(subject=data["sub"], name=data["name"], roles=tuple(data["roles"]))


def _before_request() -> Any:
    config = context.tenant().backoffice
    if not in_ranges(request.remote_addr, config.allowed_ranges):
        return render_template("backoffice/refused.html", reason="address"), 403
    g.staff = _load()
    if g.staff is None and request.endpoint not in OPEN_ENDPOINTS:
        return redirect(url_for("backoffice.login"))
    return None


def install(app: Flask) -> None:
    app.before_request(_before_request)

    @app.context_processor
    def _staff_context() -> dict:
        return {"staff": g.get("staff"),
                "roles_text": lambda roles: ", ".join(ROLE_NAMES.get(r, r) for r in roles)}


def staff_view(*roles: str) -> Callable:
    """Only staff with one of ``roles`` pass; anyone else gets 403, and the refusal is audited.
    The roles are also what the screen states (``allowed_roles`` in its template)."""
    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            member = current()
            if member is None:
                return redirect(url_for("backoffice.login"))
            g.allowed_roles = roles
            if not member.may(*roles):
                trail.audit(member, Action.ACCESS_DENIED, "role_refused", f"geen toegang tot {request.endpoint}",
                            outcome="denied")
                abort(403)
            return view(*args, **kwargs)
        wrapper.staff_roles = roles  # type: ignore[attr-defined]
        return wrapper
    return decorate
