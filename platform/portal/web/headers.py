"""Security headers on every response of a tenant app.

- A strict Content-Security-Policy: scripts, styles and images only from the portal
  itself, no inline script or style (templates have none: a test renders every page and
  checks), no framing, no plugins, forms only to the portal.
- HSTS (from here only: the example nginx site does not add it, or it would come twice),
  the referrer only within the portal (``same-origin``: its URLs never carry patient
  identifiers, and other sites get none; browsers then send a real ``Origin`` on the
  portal's own POSTs, which ``portal.web.origin`` checks, where ``no-referrer`` made it
  ``null``), no MIME sniffing, no powerful browser features.
- ``Cache-Control: no-store`` on everything but static and theme files: pages after
  login and every response carrying patient data must never sit in a browser or proxy
  cache. Static files carry no data of anyone.

Responses that set their own Content-Security-Policy (documents from the EPD, which
get a sandbox) keep it; so does a document a portal page embeds (a PDF letter) its
X-Frame-Options SAMEORIGIN (``documents.document_response(embedded=True)``); every other
header here is set unconditionally. The page embedding it widens its own policy with
``allow_own_frames``.
"""
from __future__ import annotations

from flask import Flask, Response, current_app, request

from .. import context


def content_security_policy(helper_port: int) -> str:
    """The policy of a tenant whose login page talks to the local UZI helper on ``helper_port``."""
    return "; ".join((
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        f"connect-src 'self' http://127.0.0.1:{helper_port}",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    ))


HEADERS = {
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": ("camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), "
                           "bluetooth=(), interest-cohort=()"),
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}
#: Endpoints serving files without any personal data; they keep their own caching.
CACHEABLE_ENDPOINTS = frozenset({"static", "core.theme_file"})


def allow_own_frames(response: Response) -> Response:
    """The page policy plus ``frame-src 'self'``: a portal page showing a document of the
    portal in a frame (a PDF letter). Nothing from another origin may be framed."""
    response.headers["Content-Security-Policy"] = current_app.extensions["portal.csp"] + "; frame-src 'self'"
    return response


#: ``HEADERS`` with lower-case names, for the one pass over a response's headers in ``apply``.
_LOWER = tuple((name.lower(), name, value) for name, value in HEADERS.items())


def apply(response: Response) -> Response:
    headers = response.headers
    framed_by_portal = headers.get("X-Frame-Options") == "SAMEORIGIN"
    # Setting a header scans the list for the name; a view sets hardly any of these, so
    # the absent ones are appended (same result, one scan instead of one per header).
    present = {key.lower() for key, _ in headers.items()}
    for lower, name, value in _LOWER:
        if lower in present:
            headers[name] = value
        else:
            headers.add(name, value)
    if framed_by_portal:
        headers["X-Frame-Options"] = "SAMEORIGIN"
    if "content-security-policy" not in present:
        headers.add("Content-Security-Policy", current_app.extensions["portal.csp"])
    if request.endpoint not in CACHEABLE_ENDPOINTS or response.status_code >= 400:
        response.headers["Cache-Control"] = "no-store"
        response.headers.pop("Expires", None)
        response.headers.pop("Last-Modified", None)
        response.headers.pop("ETag", None)
    return response


def init_app(app: Flask) -> None:
    app.extensions["portal.csp"] = content_security_policy(context.tenant_of(app).auth.helper_port)
    app.after_request(apply)
