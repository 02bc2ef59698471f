"""Authenticating the portal to the FHIR server: OAuth2 client credentials, or a client
certificate (TLS), plus the TLS context that verifies the server."""
from __future__ import annotations

import os
import ssl
import threading
import time
from pathlib import Path

import httpx

from .settings import Settings

# Refresh a token this long before the server says it expires, so a request sent just
# before expiry does not arrive with a dead token.
_EXPIRY_MARGIN_SECONDS = 30


class ConfigurationError(ValueError):
    """The settings name a file or environment variable that is not there."""


def _required(value: str | None, key: str) -> str:
    """A setting the chosen ``auth.method`` needs (``AuthSettings`` already demands it)."""
    if value is None:
        raise ConfigurationError(f"connector.settings.{key} is required")
    return value


def _secret(env_name: str, key: str) -> str:
    value = os.environ.get(env_name)
    if not value:
        raise ConfigurationError(f"connector.settings.{key}: environment variable {env_name} is not set")
    return value


def _file(folder: Path, name: str, key: str) -> str:
    path = (folder / name) if not Path(name).is_absolute() else Path(name)
    if not path.is_file():
        raise ConfigurationError(f"connector.settings.{key}: no file '{name}'")
    return str(path)


def ssl_context(settings: Settings, folder: Path) -> ssl.SSLContext:
    """Verifies the server (system CAs or ``ca_file``); carries the client certificate if set."""
    cafile = _file(folder, settings.ca_file, "ca_file") if settings.ca_file else None
    context = ssl.create_default_context(cafile=cafile)
    auth = settings.auth
    if auth.method == "client_certificate":
        password = _secret(auth.key_password_env, "auth.key_password_env") if auth.key_password_env else None
        context.load_cert_chain(_file(folder, _required(auth.cert_file, "auth.cert_file"), "auth.cert_file"),
                                _file(folder, _required(auth.key_file, "auth.key_file"), "auth.key_file"), password)
    return context


class ClientCredentialsAuth(httpx.Auth):
    """OAuth2 client credentials (RFC 6749 4.4). The access token is kept until shortly before
    it expires (it is a credential, not clinical data); a 401 fetches a new one once."""

    requires_response_body = True

    def __init__(self, token_url: str, client_id: str, client_secret: str, scope: str | None,
                 method: str = "client_secret_basic"):
        self.token_url = token_url
        self.client_id = client_id
        self._secret = client_secret
        self.scope = scope
        self.method = method
        self._lock = threading.Lock()
        self._token: str | None = None
        self._expires_at = 0.0

    @classmethod
    def from_settings(cls, settings: Settings) -> "ClientCredentialsAuth":
        auth = settings.auth
        secret = _secret(_required(auth.client_secret_env, "auth.client_secret_env"), "auth.client_secret_env")
        return cls(_required(auth.token_url, "auth.token_url"), _required(auth.client_id, "auth.client_id"), secret,
                   auth.scope, auth.token_auth_method)

    def _token_request(self) -> httpx.Request:
        form = {"grant_type": "client_credentials"}
        if self.scope:
            form["scope"] = self.scope
        headers = {"Accept": "application/json"}
        if self.method == "client_secret_post":
            form.update(client_id=self.client_id, client_secret=self._secret)
            return httpx.Request("POST", self.token_url, data=form, headers=headers)
        basic = httpx.BasicAuth(self.client_id, self._secret)
        request = httpx.Request("POST", self.token_url, data=form, headers=headers)
        return next(basic.auth_flow(request))

    def _store(self, response: httpx.Response) -> str:
        if response.status_code != 200:
            raise httpx.HTTPStatusError(f"token endpoint answered {response.status_code}", request=response.request,
                                        response=response)
        body = response.json()
        token = body.get("access_token")
        if not isinstance(token, str) or not token:
            raise httpx.HTTPStatusError("token endpoint gave no access_token", request=response.request,
                                        response=response)
        lifetime = body.get("expires_in")
        lifetime = float(lifetime) if isinstance(lifetime, (int, float)) else 300.0
        with self._lock:
            self._token = token
            self._expires_at = time.monotonic() + max(lifetime - _EXPIRY_MARGIN_SECONDS, 1.0)
        return token

    def _current(self) -> str | None:
        with self._lock:
            return self._token if self._token and time.monotonic() < self._expires_at else None

    def auth_flow(self, request: httpx.Request):
        token = self._current()
        if token is None:
            token = self._store((yield self._token_request()))
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code == 401:
            token = self._store((yield self._token_request()))
            request.headers["Authorization"] = f"Bearer {token}"
            yield request


def build_auth(settings: Settings) -> httpx.Auth | None:
    if settings.auth.method == "oauth2_client_credentials":
        return ClientCredentialsAuth.from_settings(settings)
    return None
