"""Logging in with Dezi, next to the UZI-pas (koppelvlakspecificatie Dezi v0.7, a concept).

OpenID Connect (Authorization Code + PKCE S256, a public client) ending in the encrypted
Dezi-verklaring; the provider lands in the same account, session, access and audit as with
the UZI-pas (``portal.auth.service.log_in``). ``init_app`` registers the routes (404 unless
the tenant enables ``dezi``) and, where enabled, the revocation check before each request
(``status.check_session``) and Dezi's origin in the ``form-action`` of the pages carrying
the "Inloggen met Dezi" form: the browser follows that form's redirect to Dezi only when
the page's Content-Security-Policy allows it. Settings: ``dezi:`` in tenant.yaml
(``portal.tenants.dezi``).
"""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, current_app, request

from .. import context
from .status import check_session
from .views import bp

__all__ = ["init_app"]

#: Pages that show the "Inloggen met Dezi" form (the login page, and its refusals).
FORM_ENDPOINTS = frozenset({"auth.login", "auth.tls_login", "auth.demo_login", "dezi.start", "dezi.callback"})
FORM_ACTION = "form-action 'self'"


def _origin(url: str | None) -> str | None:
    parts = urlsplit(url or "")
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme == "https" and parts.netloc else None


def _allow_dezi_form(response: Response) -> Response:
    """Widen ``form-action`` by Dezi's issuer and authorization endpoint origins (the portal's
    own policy is set by ``portal.web.headers``, which runs before this hook)."""
    if request.endpoint not in FORM_ENDPOINTS:
        return response
    from . import oidc

    tenant = context.tenant()
    origins = {_origin(tenant.dezi.issuer), _origin(oidc.cached_authorization_endpoint(tenant))} - {None}
    policy = response.headers.get("Content-Security-Policy") or current_app.extensions.get("portal.csp", "")
    if FORM_ACTION in policy and origins:
        response.headers["Content-Security-Policy"] = policy.replace(
            FORM_ACTION, " ".join([FORM_ACTION, *sorted(o for o in origins if o)]), 1)
    return response


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    if context.tenant_of(app).dezi.enabled:
        app.before_request(check_session)
        app.after_request(_allow_dezi_form)
