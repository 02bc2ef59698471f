"""The Dezi routes: ``POST /login/dezi`` (to Dezi) and ``GET /login/dezi/terug`` (back).

The start is a POST from the login page (CSRF token and origin checked like every POST), so
no other site can start a login in the GP's browser. The way back is a GET (Dezi redirects
the browser with ``response_mode=query``), protected by the state bound to this browser's
session, the nonce and PKCE. A refusal shows the login page with its Dutch message.
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for

from .. import context
from ..auth.demo import demo_enabled
from ..auth.views import _next_url
from ..core.security import public_endpoint
from . import flow
from .errors import DeziRefused

bp = Blueprint("dezi", __name__, template_folder="templates")


def _redirect_uri() -> str:
    return url_for("dezi.callback", _external=True)


def _login_page_with(exc: DeziRefused):
    flash(exc.message, "error")
    return render_template("auth/login.html", demo_accounts=[], demo=demo_enabled(current_app),
                           refusal=exc), exc.status


@bp.post("/login/dezi")
@public_endpoint
def start():
    tenant = context.tenant()
    if not tenant.dezi.enabled:
        abort(404)
    try:
        return redirect(flow.start(tenant, _redirect_uri()), code=303)
    except DeziRefused as exc:
        return _login_page_with(exc)


@bp.get("/login/dezi/terug")
@public_endpoint
def callback():
    tenant = context.tenant()
    if not tenant.dezi.enabled:
        abort(404)
    target = _next_url()  # read before the login starts a fresh session
    try:
        flow.finish(tenant, request.args, _redirect_uri())
    except DeziRefused as exc:
        return _login_page_with(exc)
    return redirect(target)
