"""HL7 SMART App Launch 2.x, EHR launch: the portal as a client of an EHR the tenant trusts.

1. ``GET /launch/smart?iss=..&launch=..``: ``iss`` must be a ``launch.smart[].issuer``;
   ``discover`` reads ``{iss}/.well-known/smart-configuration`` (authorization and token
   endpoints, the JWKS of its ID tokens; PKCE S256 must be offered).
2. The browser goes to the authorization endpoint (``authorize_url``) with PKCE S256, the
   ``launch`` it came with, ``aud`` = iss, a ``state`` and a ``nonce``.
3. Back at the portal's redirect URI, ``exchange`` trades the code (with the PKCE verifier;
   a confidential client authenticates with its secret) for the token response, which
   names the ``patient`` (its FHIR id) and the provider (``fhirUser``, read from the verified
   ID token, else from the response itself).
4. ``launch_context`` reads Patient/{id} (its BSN) and the fhirUser's Practitioner (UZI
   number, AGB code) from the issuer's FHIR API with the access token — from that API only.

Every failure is ``LaunchRefused`` (``smart_failed`` when the EHR answers wrongly).
"""
from __future__ import annotations

import base64
import hashlib
import os
import secrets
from dataclasses import dataclass
from urllib.parse import urlencode

import httpx
from joserfc import errors as jose_errors
from joserfc import jwt
from joserfc.jwk import KeySet

from ..tenants.schema import SmartIssuer, TenantConfig
from .claims import LaunchContext, build
from .refusals import LaunchRefused

BSN_SYSTEM = "http://fhir.nl/fhir/NamingSystem/bsn"
UZI_SYSTEM = "http://fhir.nl/fhir/NamingSystem/uzi-nr-pers"
AGB_SYSTEM = "http://fhir.nl/fhir/NamingSystem/agb-z"
TIMEOUT = 10.0
ID_TOKEN_ALGORITHMS = ["RS256", "RS384", "RS512", "ES256", "ES384", "PS256"]


@dataclass(frozen=True)
class SmartConfiguration:
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str | None
    issuer: str | None


def base(url: str) -> str:
    return url.rstrip("/")


def trusted_issuer(tenant: TenantConfig, iss: str | None) -> SmartIssuer | None:
    return next((i for i in tenant.launch.smart if iss and base(i.issuer) == base(iss)), None)


def _failed(issuer: SmartIssuer, problem: str) -> LaunchRefused:
    return LaunchRefused("smart_failed", issuer=issuer.name, problem=problem)


def _get_json(issuer: SmartIssuer, url: str, token: str | None = None) -> dict:
    headers = {"Accept": "application/fhir+json, application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        response = httpx.get(url, headers=headers, timeout=TIMEOUT)
    except httpx.HTTPError as exc:
        raise _failed(issuer, f"unreachable: {type(exc).__name__}") from None
    if response.status_code != 200:
        raise _failed(issuer, f"HTTP {response.status_code} from {url.split('?')[0][-80:]}")
    try:
        document = response.json()
    except ValueError:
        raise _failed(issuer, "answer is not JSON") from None
    if not isinstance(document, dict):
        raise _failed(issuer, "answer is not a JSON object")
    return document


def discover(issuer: SmartIssuer) -> SmartConfiguration:
    document = _get_json(issuer, f"{base(issuer.issuer)}/.well-known/smart-configuration")
    authorize, token = document.get("authorization_endpoint"), document.get("token_endpoint")
    if not isinstance(authorize, str) or not isinstance(token, str):
        raise _failed(issuer, "smart-configuration lacks its endpoints")
    if "S256" not in (document.get("code_challenge_methods_supported") or []):
        raise _failed(issuer, "smart-configuration does not offer PKCE S256")
    jwks = document.get("jwks_uri")
    return SmartConfiguration(authorize, token, jwks if isinstance(jwks, str) else None,
                              document.get("issuer") if isinstance(document.get("issuer"), str) else None)


def pkce_pair() -> tuple[str, str]:
    """A PKCE verifier and its S256 challenge."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).rstrip(b"=")
    return verifier, challenge.decode("ascii")


def authorize_url(config: SmartConfiguration, issuer: SmartIssuer, *, redirect_uri: str, iss: str, launch: str,
                  state: str, challenge: str, nonce: str) -> str:
    """The authorization request; ``aud`` is the ``iss`` the EHR launched with (its own
    spelling of its FHIR base, which the tenant's ``issuer`` matches)."""
    query = urlencode({
        "response_type": "code", "client_id": issuer.client_id, "redirect_uri": redirect_uri,
        "scope": issuer.scope, "state": state, "aud": iss, "launch": launch, "nonce": nonce,
        "code_challenge": challenge, "code_challenge_method": "S256"})
    separator = "&" if "?" in config.authorization_endpoint else "?"
    return f"{config.authorization_endpoint}{separator}{query}"


def exchange(config: SmartConfiguration, issuer: SmartIssuer, *, code: str, redirect_uri: str,
             verifier: str) -> dict:
    """The token response of the authorization code; a confidential client uses HTTP Basic."""
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
            "code_verifier": verifier}
    auth = None
    if issuer.client_secret_env:
        secret = os.environ.get(issuer.client_secret_env)
        if not secret:
            raise _failed(issuer, f"{issuer.client_secret_env} is not set")
        auth = httpx.BasicAuth(issuer.client_id, secret)
    else:
        form["client_id"] = issuer.client_id
    try:
        response = httpx.post(config.token_endpoint, data=form, auth=auth, timeout=TIMEOUT,
                              headers={"Accept": "application/json"})
    except httpx.HTTPError as exc:
        raise _failed(issuer, f"token endpoint unreachable: {type(exc).__name__}") from None
    if response.status_code != 200:
        raise _failed(issuer, f"token endpoint answered HTTP {response.status_code}")
    try:
        body = response.json()
    except ValueError:
        raise _failed(issuer, "token response is not JSON") from None
    if not isinstance(body, dict) or not isinstance(body.get("access_token"), str):
        raise _failed(issuer, "token response without access_token")
    return body


def id_token_claims(config: SmartConfiguration, issuer: SmartIssuer, body: dict, nonce: str) -> dict:
    """The ID token's claims, verified (signature by the EHR's JWKS, audience, nonce, expiry);
    {} when the response has none."""
    token = body.get("id_token")
    if not isinstance(token, str):
        return {}
    if config.jwks_uri is None:
        raise _failed(issuer, "an ID token but no jwks_uri to check it")
    try:
        keys = KeySet.import_key_set(_get_json(issuer, config.jwks_uri))  # type: ignore[arg-type]
        claims = dict(jwt.decode(token, keys, algorithms=ID_TOKEN_ALGORITHMS).claims)
        expected = {"aud": {"essential": True, "value": issuer.client_id},
                    "nonce": {"essential": True, "value": nonce}, "exp": {"essential": True}}
        if config.issuer:
            expected["iss"] = {"essential": True, "value": config.issuer}
        jwt.JWTClaimsRegistry(**expected).validate(claims)  # type: ignore[arg-type]
    except (jose_errors.JoseError, ValueError) as exc:
        raise _failed(issuer, f"ID token refused: {getattr(exc, 'error', type(exc).__name__)}") from None
    return claims


def _identifier(resource: dict, system: str) -> str | None:
    for identifier in resource.get("identifier") or []:
        if isinstance(identifier, dict) and identifier.get("system") == system and identifier.get("value"):
            return str(identifier["value"])
    return None


def _resource_path(issuer: SmartIssuer, reference: str, kind: str) -> str | None:
    """``Kind/id`` of a reference relative to, or absolute under, the issuer; None otherwise
    (the access token is never sent anywhere but the issuer's own FHIR API)."""
    root = base(issuer.issuer) + "/"
    if reference.startswith(root):
        reference = reference[len(root):]
    parts = reference.split("/")
    if len(parts) != 2 or parts[0] != kind or not parts[1] or "?" in parts[1] or "#" in parts[1]:
        return None
    return reference


def launch_context(issuer: SmartIssuer, launch_id: str, body: dict, id_claims: dict) -> LaunchContext:
    """The launch as the EHR told it: the patient's BSN and the provider's identifiers."""
    token = body["access_token"]
    patient_id = body.get("patient")
    if not isinstance(patient_id, str) or not patient_id or "/" in patient_id:
        raise _failed(issuer, "token response names no patient")
    patient = _get_json(issuer, f"{base(issuer.issuer)}/Patient/{patient_id}", token)
    fhir_user = id_claims.get("fhirUser") or body.get("fhirUser")
    path = _resource_path(issuer, fhir_user, "Practitioner") if isinstance(fhir_user, str) else None
    if path is None:
        raise LaunchRefused("invalid", issuer=issuer.name, problem="no Practitioner as fhirUser")
    practitioner = _get_json(issuer, f"{base(issuer.issuer)}/{path}", token)
    return build("smart", issuer.name, launch_id, bsn=_identifier(patient, BSN_SYSTEM),
                 provider_uzi=_identifier(practitioner, UZI_SYSTEM),
                 provider_agb=_identifier(practitioner, AGB_SYSTEM))
