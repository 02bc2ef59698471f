"""Error pages: Dutch, in the tenant's layout, without internals.

Every HTTP error (400, 403, 404, 405, 413, 429, ...) and every unhandled exception (500)
gets a page saying what happened and what to do, never a stack trace, exception text or
SQL. JSON clients (the login API, ``/api/...``) get ``{"code", "message"}`` instead.

When the portal database is unreachable the answer is 503, rendered without touching
the database again: the full layout needs the logged-in provider (a database read), so
those pages use a standalone template with the tenant's theme but no session data —
and so never a patient's name from the session either.
"""
from __future__ import annotations

import logging

from flask import Flask, current_app, jsonify, make_response, request, url_for
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException, InternalServerError

from .. import context

log = logging.getLogger(__name__)

#: Database errors meaning "unreachable / overloaded" rather than a bug: 503, not 500.
DATABASE_DOWN = (OperationalError, InterfaceError, DisconnectionError, PoolTimeout)

#: status -> (title, explanation), in the manual's plain Dutch.
PAGES: dict[int, tuple[str, str]] = {
    400: ("Ongeldig verzoek", "Het verzoek kon niet worden verwerkt. Ga terug en probeer het opnieuw."),
    401: ("Niet ingelogd", "U bent niet (meer) ingelogd. Log opnieuw in met uw UZI-pas."),
    403: ("Geen toegang", "U hebt geen toegang tot deze pagina."),
    404: ("Niet gevonden", "Deze pagina bestaat niet (meer). Controleer het adres of ga naar de startpagina."),
    405: ("Niet toegestaan", "Deze handeling is op deze pagina niet mogelijk."),
    413: ("Te groot", "Wat u verstuurde is te groot om te verwerken. Verstuur minder tekst en probeer het opnieuw."),
    429: ("Te veel verzoeken",
          "U hebt dit te vaak achter elkaar geprobeerd. Wacht enkele minuten en probeer het opnieuw."),
    500: ("Er is iets misgegaan",
          "Er is een fout opgetreden. Probeer het later opnieuw. Blijft het probleem bestaan, neem dan "
          "contact op met de helpdesk."),
    503: ("Tijdelijk niet beschikbaar",
          "Het zorgverlenersportaal is op dit moment niet beschikbaar. Probeer het over enkele minuten opnieuw."),
}
CSRF_PAGE = ("Formulier verlopen",
             "Het formulier was verlopen of onvolledig. Ga terug, vernieuw de pagina en probeer het opnieuw.")
#: Codes of the JSON answers, stable like the login API's.
CODES = {400: "bad_request", 401: "login_required", 403: "forbidden", 404: "not_found",
         405: "method_not_allowed", 413: "too_large", 429: "too_many_attempts", 500: "internal_error",
         503: "unavailable"}
#: Headers of an HTTPException worth keeping on the page that replaces its body.
KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate")


def _page_for(status: int, error: Exception | None) -> tuple[str, str]:
    if isinstance(error, CSRFError):
        return CSRF_PAGE
    if status in PAGES:
        return PAGES[status]
    return PAGES[400] if status < 500 else PAGES[500]


def _wants_json() -> bool:
    if request.path.startswith("/api/") or request.is_json:
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and not request.accept_mimetypes.accept_html


def _standalone(status: int, title: str, text: str) -> str:
    """The page without the layout's provider, navigation and patient banner (no database)."""
    template = current_app.jinja_env.get_template("errors/standalone.html")
    return template.render(tenant=context.tenant(), status=status, title=title,
                           text=text, url_for=url_for)


def render_error(status: int, error: Exception | None = None, *, database_down: bool = False):
    """The response for ``status``: JSON or the Dutch page (standalone when the database is down)."""
    title, text = _page_for(status, error)
    if _wants_json():
        response = jsonify(code=CODES.get(status, "error"), message=text)
        response.status_code = status
    else:
        body = None
        if not database_down:
            try:
                from flask import render_template

                body = render_template("errors/error.html", status=status, title=title, text=text)
            except Exception as exc:  # noqa: BLE001 - the error page must not fail in turn
                log.warning("error page for %s rendered without layout: %s", status, type(exc).__name__)
        if body is None:
            body = _standalone(status, title, text)
        response = make_response(body, status)
        response.mimetype = "text/html"
    if isinstance(error, HTTPException):
        original = error.get_headers()
        for name, value in original:
            if name in KEPT_HEADERS:
                response.headers[name] = value
    return response


def is_database_down(error: BaseException | None) -> bool:
    seen = 0
    while error is not None and seen < 5:
        if isinstance(error, DATABASE_DOWN):
            return True
        error = getattr(error, "original_exception", None) or error.__cause__
        seen += 1
    return False


def _http_error(error: HTTPException):
    if error.code is None:
        return error
    if isinstance(error, InternalServerError) and is_database_down(error):
        return _database_down(error)
    return render_error(error.code, error)


def _database_down(error: BaseException):
    log.error("portal database unavailable: %s", type(getattr(error, "original_exception", None) or error).__name__)
    return render_error(503, None, database_down=True)


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, _http_error)
    # Unhandled exceptions reach the HTTPException handler as a 500 (after Flask logged
    # them; in tests they propagate as usual). Database outages are answered at once.
    for kind in DATABASE_DOWN:
        app.register_error_handler(kind, _database_down)
