"""Who may call the inzagelog API (``POST /api/inzagelog``), and how the portal tells.

Two ways, set per tenant in ``audit``; a call must pass every way its tenant sets:

- **Bearer token** (``api_token_env``): the environment variable is read once, when the
  tenant's app is built. A token weaker than 32 bytes of entropy stops the start in every
  environment, naming the variable (``portal.secrets_policy``, the rule every secret
  follows). Calls are compared in constant time: ``hmac.compare_digest`` over the SHA-256
  digests of the given and the configured token, so neither their content nor their
  lengths show in the time an answer takes.
- **Client certificate** (``api_client_certificates``: mutual TLS, the stronger option):
  the proxy verifies the patient portal's certificate in the TLS handshake (its CA in the
  proxy's client CA bundle, with a CRL) and forwards it in ``auth.client_cert_header``, as
  for a UZI-pas. The portal believes that header only from ``auth.trusted_proxies``, and
  accepts the certificate only when its SHA-256 fingerprint is listed and it is valid
  now; the listed name is who the audit log says called. Its key never leaves the patient
  portal's server, and a copied request is useless without it.

Neither set, or only a token variable that is not set: the API is off (404).
"""
from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from urllib.parse import unquote

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from flask import request

from ..core.security import from_trusted_proxy
from ..secrets_policy import secret_problem
from ..settings import SettingsError

#: How the audit log names a caller that only showed the token.
TOKEN_CLIENT = "patiëntenportaal (inzagelog-API)"


@dataclass(frozen=True)
class ApiAccess:
    """A tenant's API callers, as configured when its app was built."""

    token_env: str | None = None
    token_digest: bytes | None = field(default=None, repr=False)
    certificates: Mapping[str, str] = field(default_factory=dict)  # fingerprint (hex) -> name
    certificate_header: str = "X-SSL-Client-Cert"

    @property
    def enabled(self) -> bool:
        return self.token_digest is not None or bool(self.certificates)


class ApiRefused(Exception):
    """A call that may not have the inzagelog: a stable ``code`` (audit log, tests), the
    HTTP status and the English diagnostics for the calling system."""

    def __init__(self, code: str, status: int, diagnostics: str, challenge: str | None = None):
        super().__init__(code)
        self.code, self.status, self.diagnostics, self.challenge = code, status, diagnostics, challenge


def load(tenant, environ: Mapping[str, str]) -> ApiAccess:
    """The tenant's API access from its YAML and ``environ``; raises ``SettingsError`` for a
    token weaker than 32 bytes of entropy."""
    name = tenant.audit.api_token_env
    token = environ.get(name) if name else None
    digest = None
    if token:
        problem = secret_problem(token)
        if problem:
            raise SettingsError(f"tenant '{tenant.id}': audit.api_token_env: {name} {problem}")
        digest = _digest(token)
    return ApiAccess(name, digest, {c.sha256: c.name for c in tenant.audit.api_client_certificates},
                     tenant.auth.client_cert_header)


def _digest(value: str) -> bytes:
    return hashlib.sha256(value.encode("utf-8")).digest()


def authenticate(access: ApiAccess, trusted_proxies) -> str:
    """The name of the caller of the current request, or raise ``ApiRefused``."""
    client = TOKEN_CLIENT
    if access.certificates:
        client = _certificate_client(access, trusted_proxies)
    if access.token_digest is not None:
        _check_token(access.token_digest)
    return client


def _check_token(expected: bytes) -> None:
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        raise ApiRefused("token_missing", 401, "a valid bearer token is required", 'Bearer realm="inzagelog"')
    if not hmac.compare_digest(_digest(given.strip()), expected):
        raise ApiRefused("token_invalid", 401, "a valid bearer token is required",
                         'Bearer realm="inzagelog", error="invalid_token"')


def _certificate_client(access: ApiAccess, trusted_proxies) -> str:
    if not from_trusted_proxy(trusted_proxies):
        raise ApiRefused("certificate_untrusted_proxy", 403, "the client certificate must come through the proxy")
    header = request.headers.get(access.certificate_header, "").strip()
    if not header or header == "(null)":
        raise ApiRefused("certificate_missing", 403, "a client certificate is required (mutual TLS)")
    try:
        certificate = x509.load_pem_x509_certificate(unquote(header).encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        raise ApiRefused("certificate_invalid", 403, "the client certificate cannot be read") from None
    fingerprint = certificate.fingerprint(hashes.SHA256()).hex()
    name = next((n for known, n in access.certificates.items() if hmac.compare_digest(known, fingerprint)), None)
    if name is None:
        raise ApiRefused("certificate_unknown", 403, "this client certificate may not call the inzagelog API")
    now = datetime.now(timezone.utc)
    if not certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc:
        raise ApiRefused("certificate_expired", 403, "the client certificate is not valid now")
    return name
