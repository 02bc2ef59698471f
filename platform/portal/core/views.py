"""Home, "Problemen met inloggen?" and the tenant's theme files."""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, render_template, send_from_directory

from .. import context

bp = Blueprint("core", __name__, template_folder="templates")

#: Files a theme may serve; anything else in the folder stays private.
THEME_FILE_TYPES = {".css", ".svg", ".png", ".ico", ".woff2"}


@bp.get("/")
def home():
    return render_template("core/home.html")


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

