"""``GET /bench/page/<method>/<endpoint>``: a portal page at the cost of its template alone.

``make bench`` compares each page of a GP's round with this baseline. The route renders
the template the last real request of the same kind (method and endpoint) rendered in this
process, with that request's template context (its view models: the patient, the EPD's
rows, the patient bar, the navigation), and reads no session, database, audit log, EPD or
access check: the HTML is the portal's page byte for byte except for the CSRF token, which
is a fresh token of the same shape. A kind answered with a redirect is answered with the
same redirect. A kind this process has not served yet answers 409 (the load generator then
serves a real round first on the same connection).

It exists only when the deployment sets ``PORTAL_BENCH_PAGE=1``
(``portal.settings.Settings.bench_page``): it needs no login and shows the last patient's
page of each kind to anyone, so it belongs on a benchmark's synthetic EPD and never on a
server with real patients. Without the setting nothing is captured and the URL is an
ordinary 404.
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from typing import Any

from flask import Flask, Response, current_app, g, redirect, request, template_rendered
from flask.globals import request_ctx
from flask.signals import request_finished
from itsdangerous import URLSafeTimedSerializer
from jinja2 import Template
from werkzeug.routing import Rule

from .. import context
from ..core.security import public_endpoint

PATH = "/bench/page/<method>/<path:endpoint>"
ENDPOINT = "bench_page"
#: The request's ``g`` values templates and their helpers read (``patient_url``, the print
#: button): copied into the baseline's ``g``, nothing else of the request.
G_VALUES = ("access_decision", "patient_context")
#: Flask-Login keeps the loaded user here; set, ``current_user`` loads nothing.
_LOGIN_USER = "_login_user"
_CAPTURES = "portal.bench_page"
_PENDING = "_bench_page_render"


@dataclass(frozen=True)
class Capture:
    """One real answer of a page kind: its template and context, or its redirect."""

    status: int
    template: Template | None = None
    values: dict[str, Any] | None = None
    rule: Rule | None = None
    view_args: dict | None = None
    args: Any = None
    g_values: dict[str, Any] | None = None
    flashes: list | None = None
    location: str | None = None


def _on_render(app: Flask, template: Template, context: dict, **_extra) -> None:
    # The page's own template is rendered last (an include or the navigation bar first).
    if request.endpoint != ENDPOINT:
        setattr(g, _PENDING, (template, context))


def _on_finished(app: Flask, response: Response, **_extra) -> None:
    if request.endpoint in (None, ENDPOINT):
        return
    key = (request.method, request.endpoint)
    rendered = g.get(_PENDING)
    captures = app.extensions[_CAPTURES]
    if response.status_code == 200 and rendered is not None:
        template, values = rendered
        snapshot = dict(values)
        snapshot["session"] = dict(values.get("session") or {})
        snapshot.pop("g", None)
        captures[key] = Capture(200, template, snapshot, request.url_rule, request.view_args, request.args,
                                {name: g.get(name) for name in G_VALUES if name in g},
                                list(request_ctx.flashes or []) if request_ctx.flashes is not None else [])
    elif response.status_code in (302, 303):
        captures[key] = Capture(response.status_code, location=response.headers.get("Location"))


def _fresh_csrf_token() -> str:
    """A token as Flask-WTF makes one (a signed random value), for no session."""
    serializer = URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="wtf-csrf-token")
    return serializer.dumps(hashlib.sha1(os.urandom(64)).hexdigest())


def _flashes(messages: list):
    def get_flashed_messages(with_categories: bool = False, category_filter=()) -> list:
        chosen = [m for m in messages if not category_filter or m[0] in category_filter]
        return chosen if with_categories else [m[1] for m in chosen]

    return get_flashed_messages


@public_endpoint
def bench_page(method: str, endpoint: str):
    capture = current_app.extensions[_CAPTURES].get((method.upper(), endpoint))
    if capture is None:
        return current_app.response_class(b"not served by this process yet\n", status=409, mimetype="text/plain")
    if capture.template is None:
        return redirect(capture.location or "/", capture.status)
    values = dict(capture.values or {})
    values["get_flashed_messages"] = _flashes(capture.flashes or [])
    values["g"] = g
    # The page's helpers read the request's endpoint, arguments and query (navigation,
    # paging, print button), ``g`` and the logged-in user: for the render, as in the real
    # request; nothing is loaded.
    own = request.url_rule, request.view_args, request.args
    for name, value in (capture.g_values or {}).items():
        setattr(g, name, value)
    setattr(g, _LOGIN_USER, values.get("current_user"))
    g.csrf_token = _fresh_csrf_token()
    request.url_rule, request.view_args = capture.rule, capture.view_args
    request.__dict__["args"] = capture.args  # werkzeug caches the parsed query there
    try:
        html = capture.template.render(values)
    finally:
        request.url_rule, request.view_args = own[0], own[1]
        request.__dict__["args"] = own[2]
        g.pop(_LOGIN_USER, None)
    return current_app.response_class(html, status=capture.status, mimetype="text/html")


def init_app(app: Flask) -> None:
    """Add the route and start capturing pages, when the deployment asks for it."""
    if not context.platform_of(app).settings.bench_page:
        return
    app.extensions[_CAPTURES] = {}
    app.add_url_rule(PATH, ENDPOINT, bench_page, methods=["GET"])
    template_rendered.connect(_on_render, app)
    request_finished.connect(_on_finished, app)
