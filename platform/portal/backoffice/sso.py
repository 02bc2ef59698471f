"""The hospital's single sign-on for staff: OpenID Connect, Authorization Code flow with PKCE
(S256) and a confidential client (``client_secret_post``, the secret from the environment).

Works with any standards-conforming provider (Entra ID, ADFS, Keycloak): discovery, the code
exchange and an ID token signed by a key of the provider's JWKS. Roles come from one claim of
the ID token (``backoffice.roles_claim``, a string or a list), mapped to the portal's roles by
``backoffice.role_mapping``; unknown values are ignored, no mapped role means no entry.
"""
from __future__ import annotations

import base64
import hashlib
import os
import secrets
import ssl
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import httpx
from joserfc import errors as jose_errors
from joserfc import jwt
from joserfc.jwk import KeySet

from ..tenants.backoffice import STAFF_ROLES, BackofficeConfig
from ..tenants.schema import TenantConfig

MAX_ANSWER_BYTES = 256 * 1024
CLOCK_SKEW_SECONDS = 60


class SsoRefused(Exception):
    """The login cannot complete; ``str(exc)`` says why in English (for the ordinary log)."""


@dataclass(frozen=True)
class Provider:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str


@dataclass(frozen=True)
class StaffIdentity:
    """Who logged in: the SSO's subject, their name and their portal roles."""

    subject: str
    name: str
    roles: tuple[str, ...]


def _config(tenant: TenantConfig) -> BackofficeConfig:
    return tenant.backoffice


def _client(tenant: TenantConfig) -> httpx.Client:
    config = _config(tenant)
    cafile = str(Path(tenant.folder) / config.ca_file) if config.ca_file else None
    context = ssl.create_default_context(cafile=cafile)
    return httpx.Client(verify=context, timeout=config.timeout_seconds, follow_redirects=False, trust_env=False)


def _get_json(tenant: TenantConfig, url: str, what: str, **kwargs) -> dict:
    method = "POST" if "data" in kwargs else "GET"
    if not url.startswith("https://"):
        raise SsoRefused(f"{what} is not an https URL")
    try:
        with _client(tenant) as client:
            response = client.request(method, url, headers={"Accept": "application/json"}, **kwargs)
    except httpx.HTTPError as exc:
        raise SsoRefused(f"{what} unreachable: {type(exc).__name__}") from None
    if len(response.content) > MAX_ANSWER_BYTES:
        raise SsoRefused(f"{what}: answer too large")
    try:
        body = response.json()
    except ValueError:
        raise SsoRefused(f"{what}: HTTP {response.status_code}, not JSON") from None
    if response.status_code != 200 or not isinstance(body, dict):
        error = body.get("error") if isinstance(body, dict) else None
        raise SsoRefused(f"{what} answered HTTP {response.status_code} {error or ''}".strip())
    return body


def discover(tenant: TenantConfig) -> Provider:
    """The provider's endpoints; it must name the configured issuer."""
    config = _config(tenant)
    issuer = (config.issuer or "").rstrip("/")
    url = config.discovery_url or f"{issuer}/.well-known/openid-configuration"
    document = _get_json(tenant, url, "discovery")
    names = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")
    if not all(isinstance(document.get(n), str) for n in names):
        raise SsoRefused("discovery lacks an endpoint")
    if document["issuer"].rstrip("/") != issuer:
        raise SsoRefused("discovery names another issuer")
    return Provider(**{n: document[n] for n in names})


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).rstrip(b"=")
    return verifier, challenge.decode("ascii")


def authorize_url(provider: Provider, tenant: TenantConfig, *, redirect_uri: str, state: str, nonce: str,
                  challenge: str) -> str:
    config = _config(tenant)
    query = urlencode({"response_type": "code", "client_id": config.client_id, "redirect_uri": redirect_uri,
                       "scope": config.scope, "state": state, "nonce": nonce, "code_challenge": challenge,
                       "code_challenge_method": "S256"})
    separator = "&" if "?" in provider.authorization_endpoint else "?"
    return f"{provider.authorization_endpoint}{separator}{query}"


def client_secret(tenant: TenantConfig) -> str:
    """The client secret from the environment; ``SsoRefused`` when it is not set."""
    name = _config(tenant).client_secret_env or ""
    value = os.environ.get(name, "")
    if not value:
        raise SsoRefused(f"environment variable {name} (the SSO client secret) is not set")
    return value


def exchange(provider: Provider, tenant: TenantConfig, *, code: str, redirect_uri: str, verifier: str) -> str:
    """The ID token of ``code`` (the access token is not kept: the portal calls no API with it)."""
    config = _config(tenant)
    body = _get_json(tenant, provider.token_endpoint, "token endpoint", data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri, "code_verifier": verifier,
        "client_id": config.client_id, "client_secret": client_secret(tenant)})
    if not isinstance(body.get("id_token"), str):
        raise SsoRefused("token response without id_token")
    return body["id_token"]


def identity(provider: Provider, tenant: TenantConfig, id_token: str, nonce: str) -> StaffIdentity:
    """The verified ID token as a staff identity: signature (a key of the JWKS), issuer,
    audience, expiry, nonce; roles mapped (``SsoRefused`` when none maps)."""
    config = _config(tenant)
    keys = KeySet.import_key_set(_get_json(tenant, provider.jwks_uri, "JWKS"))  # type: ignore[arg-type]
    try:
        claims = jwt.decode(id_token, keys, algorithms=["RS256", "PS256", "ES256"]).claims
    except (ValueError, jose_errors.JoseError) as exc:
        raise SsoRefused(f"ID token not verified: {type(exc).__name__}") from None
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    if str(claims.get("iss", "")).rstrip("/") != (config.issuer or "").rstrip("/") or config.client_id not in audiences:
        raise SsoRefused("ID token iss or aud")
    if not isinstance(claims.get("exp"), int) or claims["exp"] < time.time() - CLOCK_SKEW_SECONDS:
        raise SsoRefused("ID token expired")
    if not isinstance(claims.get("nonce"), str) or not secrets.compare_digest(claims["nonce"], nonce):
        raise SsoRefused("ID token nonce")
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject:
        raise SsoRefused("ID token without sub")
    return StaffIdentity(subject=subject, name=str(claims.get(config.name_claim) or subject)[:200],
                         roles=map_roles(config, claims.get(config.roles_claim)))


def map_roles(config: BackofficeConfig, value: object) -> tuple[str, ...]:
    """The portal roles of a roles claim (a string or a list of strings), in a fixed order."""
    values = [value] if isinstance(value, str) else [v for v in value if isinstance(v, str)] \
        if isinstance(value, list) else []
    granted = {role for v in values for role in config.role_mapping.get(v, ())}
    return tuple(r for r in STAFF_ROLES if r in granted)
