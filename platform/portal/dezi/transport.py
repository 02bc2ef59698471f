"""Talking to Dezi: one httpx client per tenant, TLS only, at least the configured TLS version.

Every URL the portal calls (discovery, token, JWKS, userinfo, a ``jku``, a ``status_uri``)
must be https: a plain-http URL is refused before any connection (tests give their Dezi a
certificate of a test CA, ``dezi.ca_file``). Answers are capped in size. Failures raise
``DeziRefused("dezi_unavailable")`` with the problem in English.
"""
from __future__ import annotations

import ssl
import threading
import time
from pathlib import Path

import httpx

from ..tenants.dezi import DeziConfig
from ..tenants.schema import TenantConfig
from .errors import DeziRefused

MAX_ANSWER_BYTES = 256 * 1024
_TLS_VERSIONS = {"1.2": ssl.TLSVersion.TLSv1_2, "1.3": ssl.TLSVersion.TLSv1_3}
_lock = threading.Lock()
_clients: dict[tuple[str, DeziConfig], httpx.Client] = {}


def tls_context(config: DeziConfig, folder: str) -> ssl.SSLContext:
    """Verification against the system's CAs or ``ca_file``, and ``tls_minimum_version``."""
    cafile = str(Path(folder) / config.ca_file) if config.ca_file else None
    context = ssl.create_default_context(cafile=cafile)
    context.minimum_version = _TLS_VERSIONS[config.tls_minimum_version]
    return context


def client(tenant: TenantConfig) -> httpx.Client:
    """The tenant's client (kept per process; its pool is reused across logins)."""
    key = (tenant.id, tenant.dezi)
    with _lock:
        found = _clients.get(key)
        if found is None:
            found = _clients[key] = httpx.Client(
                verify=tls_context(tenant.dezi, tenant.folder), timeout=tenant.dezi.timeout_seconds,
                follow_redirects=False, trust_env=False)
        return found


def _https(url: object, what: str) -> str:
    if not isinstance(url, str) or not url.startswith("https://"):
        raise DeziRefused("dezi_unavailable", f"{what} is not an https URL")
    return url


def request(tenant: TenantConfig, method: str, url: object, what: str, **kwargs) -> httpx.Response:
    """One request to Dezi; the answer read whole (at most ``MAX_ANSWER_BYTES``)."""
    target = _https(url, what)
    try:
        with client(tenant).stream(method, target, **kwargs) as response:
            body = b""
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > MAX_ANSWER_BYTES:
                    raise DeziRefused("dezi_unavailable", f"{what}: answer larger than {MAX_ANSWER_BYTES} bytes")
    except httpx.HTTPError as exc:
        raise DeziRefused("dezi_unavailable", f"{what} unreachable: {type(exc).__name__}") from None
    return httpx.Response(response.status_code, headers=response.headers, content=body, request=response.request)


def get_json(tenant: TenantConfig, url: object, what: str, **kwargs) -> dict:
    response = request(tenant, "GET", url, what, headers={"Accept": "application/json"}, **kwargs)
    if response.status_code != 200:
        raise DeziRefused("dezi_unavailable", f"{what} answered HTTP {response.status_code}")
    try:
        document = response.json()
    except ValueError:
        raise DeziRefused("dezi_response_invalid", f"{what}: not JSON") from None
    if not isinstance(document, dict):
        raise DeziRefused("dezi_response_invalid", f"{what}: not a JSON object")
    return document


class TimedCache:
    """Values kept ``seconds`` long per key (discovery documents, JWKS), shared by the threads."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self._values: dict[object, tuple[float, object]] = {}
        self._lock = threading.Lock()

    def get(self, key: object):
        with self._lock:
            found = self._values.get(key)
        if found is None or time.monotonic() - found[0] > self.seconds:
            return None
        return found[1]

    def put(self, key: object, value: object) -> None:
        with self._lock:
            self._values[key] = (time.monotonic(), value)

    def age(self, key: object) -> float | None:
        with self._lock:
            found = self._values.get(key)
        return None if found is None else time.monotonic() - found[0]
