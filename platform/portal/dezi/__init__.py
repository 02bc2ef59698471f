"""Logging in with Dezi, next to the UZI-pas (koppelvlakspecificatie Dezi v0.7, a concept).

OpenID Connect (Authorization Code + PKCE S256, a public client) ending in the encrypted
Dezi-verklaring; the provider lands in the same account, session, access and audit as with
the UZI-pas (``portal.auth.service.log_in``). ``init_app`` registers the routes (404 unless
the tenant enables ``dezi``) and, where enabled, the revocation check before each request
(``status.check_session``). Settings: ``dezi:`` in tenant.yaml (``portal.tenants.dezi``).
"""
from __future__ import annotations

from flask import Flask

from .. import context
from .status import check_session
from .views import bp

__all__ = ["init_app"]


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    if context.tenant_of(app).dezi.enabled:
        app.before_request(check_session)
