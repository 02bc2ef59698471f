"""Requests that change something must come from the portal's own pages.

Every POST, PUT, PATCH and DELETE is checked here, before anything else of the app runs,
by what browsers themselves say about where a request comes from:

- ``Sec-Fetch-Site``, when present, must be ``same-origin``;
- ``Origin``, when present, must be this portal's own origin: the scheme and host (with
  its port unless it is the scheme's default) as the app sees them behind its trusted
  proxy. ``null`` is refused: browsers send it for pages that hide their origin.

A request with neither header comes from a client that is not a browser (the card
helper's ``login``, the server-to-server inzagelog API): the CSRF token alone decides for
it, and it is required on every POST all the same (Flask-WTF). Flask-WTF's own check of
the Referer over HTTPS is switched off: the portal's ``Referrer-Policy: same-origin`` lets
browsers send it, but the two headers above say the same more reliably.

One endpoint is exempt, by name (``CROSS_SITE_ENDPOINTS``): ``POST /launch``, where a GP's
own system (HIS) opens a patient by POSTing a signed launch context from another site
(``portal.launch``). A cross-site POST is its whole purpose, and it carries its own proof
instead: a signature by a key the tenant trusts, an audience naming this portal, a lifetime
of at most five minutes and a ``jti`` accepted once. It changes nothing of the browser's
session (it only parks the launch for the logged-in provider, who must be the one it names).
It is exempt from the CSRF token as well (``portal.launch.views.init_app``).

A refusal is a ``CSRFError``, so it gets the same answer as a bad token: the Dutch
"Formulier verlopen" page, the login API's ``request_invalid``, and logout still ends the
session (``portal.auth.views``). The log line names the endpoint and the reason, never an
address or anything from the request.
"""
from __future__ import annotations

import logging

from flask import Flask, request
from flask_wtf.csrf import CSRFError

log = logging.getLogger(__name__)

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: ``Sec-Fetch-Site`` values, so that the log repeats only one of these.
FETCH_SITES = frozenset({"same-origin", "same-site", "cross-site", "none"})
#: Endpoints that take unsafe requests from other sites (see the module docstring): only these.
CROSS_SITE_ENDPOINTS = frozenset({"launch.signed_launch"})


def own_origin() -> str:
    """``scheme://host[:port]`` of the current request as the app sees it (after
    ``TrustedProxyFix``); werkzeug leaves out the scheme's default port, as browsers do."""
    return f"{request.scheme}://{request.host}".lower()


def refusal_reason() -> str | None:
    """Why the current request must be refused, or None when its origin is acceptable."""
    if request.method not in UNSAFE_METHODS or request.endpoint in CROSS_SITE_ENDPOINTS:
        return None
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None and site.strip().lower() != "same-origin":
        value = site.strip().lower()
        return f"Sec-Fetch-Site {value if value in FETCH_SITES else 'unknown'}"
    origin = request.headers.get("Origin")
    if origin is not None:
        if origin.strip().lower() == "null":
            return "Origin null"
        if origin.strip().lower().rstrip("/") != own_origin():
            return "Origin of another site or port"
    return None


def check_origin() -> None:
    reason = refusal_reason()
    if reason is None:
        return
    log.warning("unsafe request from another origin refused: %s %s (%s)", request.method,
                request.endpoint or "unknown endpoint", reason)
    raise CSRFError("The request did not come from a page of this portal.")


def init_app(app: Flask) -> None:
    app.config["WTF_CSRF_SSL_STRICT"] = False
    # First of all before_request functions: a forged request is turned away before the
    # CSRF token, the login requirement or a rate limit even looks at it.
    app.before_request_funcs.setdefault(None, []).insert(0, check_origin)
