"""Home, "Problemen met inloggen?" and the tenant's theme files."""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, current_app, render_template, send_from_directory

from .. import context
from .navigation import NavEntry, navigation_for

bp = Blueprint("core", __name__, template_folder="templates")

#: What a GP does first after logging in, in this order, as the manual names it.
START_ENDPOINTS = ("search.search", "search.recent_patients", "search.admitted_patients",
                   "search.emergency_department", "worklist.worklist")

#: Files a theme may serve; anything else in the folder stays private.
THEME_FILE_TYPES = {".css", ".svg", ".png", ".ico", ".woff2"}


@bp.get("/")
def home():
    return render_template("core/home.html", start_links=start_links())


def start_links() -> list[NavEntry]:
    """The Home page's ways in: Patiënt zoeken, Recente, Klinische patiënten and SEH
    overzicht, each only when the tenant's menu offers it and its screen exists."""
    offered = {entry.endpoint: entry for item in navigation_for(current_app, context.tenant())
               for entry in (item, *item.children) if entry.available}
    return [offered[endpoint] for endpoint in START_ENDPOINTS if endpoint in offered]


@bp.get("/problemen-met-inloggen")
def login_help():
    return render_template("core/login_help.html")


@bp.get("/thema/<path:filename>")
def theme_file(filename: str):
    tenant, platform = context.tenant(), context.platform()
    if Path(filename).suffix.lower() not in THEME_FILE_TYPES:
        abort(404)
    response = send_from_directory(platform.settings.themes_dir / tenant.theme, filename, max_age=3600)
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response

