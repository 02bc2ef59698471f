"""The inzagelog API's callers for one test, set as a hospital sets them: the tenant YAML's
``audit`` settings and the token's environment variable, read the way ``create_app`` reads
them (``portal.audit.api.configure``). The tenant object is frozen: a changed copy is swapped
in and everything is restored after the test (monkeypatch)."""
from __future__ import annotations

import os
import secrets

from portal.audit import api, api_auth
from portal.tenants.schema import ApiClientCertificate, RateLimit

#: The variable a tenant without ``audit.api_token_env`` gets in these tests.
TEST_TOKEN_ENV = "PORTAL_TEST_INZAGELOG_TOKEN"


def strong_token() -> str:
    return secrets.token_urlsafe(32)


def api_access(monkeypatch, app, *, token: str | None = None, certificates: dict[str, str] | None = None,
               proxies: tuple[str, ...] | None = None, limit: tuple[int, int] = (100_000, 60)) -> None:
    """``token``: the bearer token (None: no token); ``certificates``: name -> SHA-256
    fingerprint of the client certificates that may call; ``proxies``: the tenant's
    ``auth.trusted_proxies`` for the test (the proxy that forwards client certificates);
    ``limit``: the API's calls per address (count, seconds), high unless a test is about it:
    every test client calls from 127.0.0.1."""
    tenant = app.extensions["portal.tenant"]
    env = tenant.audit.api_token_env or TEST_TOKEN_ENV
    audit = tenant.audit.model_copy(update={
        "api_token_env": env,
        "api_client_certificates": tuple(ApiClientCertificate(name=name, sha256=fingerprint)
                                         for name, fingerprint in (certificates or {}).items())})
    rate_limits = tenant.rate_limits.model_copy(update={
        "inzagelog_api_per_address": RateLimit(count=limit[0], seconds=limit[1])})
    update = {"audit": audit, "rate_limits": rate_limits}
    if proxies is not None:
        update["auth"] = tenant.auth.model_copy(update={"trusted_proxies": proxies})
    changed = tenant.model_copy(update=update)
    monkeypatch.setitem(app.extensions, "portal.tenant", changed)
    if token is None:
        monkeypatch.delenv(env, raising=False)
    else:
        monkeypatch.setenv(env, token)
    monkeypatch.setitem(app.extensions, api.ACCESS_KEY, api_auth.load(changed, os.environ))
