"""Dezi's OpenID Connect: discovery, the authorization request, the code exchange, the ID token.

Authorization Code flow only, a public client (no secret), PKCE with S256, ``scope=openid``,
``response_mode=query``. Dezi gives no refresh token and no logout channel, so nothing here
keeps a token beyond the login: the access token is used once, for the userinfo.
"""
from __future__ import annotations

import base64
import hashlib
import secrets
import time
from dataclasses import dataclass
from urllib.parse import urlencode

from joserfc import errors as jose_errors
from joserfc import jws, jwt
from joserfc.jwk import KeySet

from ..tenants.schema import TenantConfig
from . import transport
from .errors import DeziRefused

#: Discovery documents and the ID token JWKS are read again after this long.
DISCOVERY_SECONDS = 3600
#: Asking again for a JWKS because of an unknown ``kid`` happens at most this often.
REFRESH_SECONDS = 60
_discovery = transport.TimedCache(DISCOVERY_SECONDS)
_jwks = transport.TimedCache(DISCOVERY_SECONDS)


@dataclass(frozen=True)
class Provider:
    """What the portal uses of Dezi's discovery document."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    userinfo_endpoint: str
    jwks_uri: str


def _base(url: str) -> str:
    return url.rstrip("/")


def discover(tenant: TenantConfig) -> Provider:
    """Dezi's endpoints (cached an hour); it must offer PKCE S256 and be the configured issuer."""
    config = tenant.dezi
    found = _discovery.get((tenant.id, config.discovery))
    if found is not None:
        return found
    document = transport.get_json(tenant, config.discovery, "discovery")
    names = ("issuer", "authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri")
    if not all(isinstance(document.get(n), str) for n in names):
        raise DeziRefused("dezi_response_invalid", "discovery lacks an endpoint")
    if _base(document["issuer"]) != _base(config.issuer or ""):
        raise DeziRefused("dezi_response_invalid", "discovery names another issuer")
    if "S256" not in (document.get("code_challenge_methods_supported") or []):
        raise DeziRefused("dezi_response_invalid", "discovery does not offer PKCE S256")
    provider = Provider(**{n: document[n] for n in names})
    _discovery.put((tenant.id, config.discovery), provider)
    return provider


def cached_authorization_endpoint(tenant: TenantConfig) -> str | None:
    """The authorization endpoint if discovery was read already (never fetches)."""
    found = _discovery.get((tenant.id, tenant.dezi.discovery))
    return found.authorization_endpoint if found is not None else None


def pkce_pair() -> tuple[str, str]:
    """A PKCE verifier (64 characters of randomness) and its S256 challenge."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).rstrip(b"=")
    return verifier, challenge.decode("ascii")


def authorize_url(provider: Provider, tenant: TenantConfig, *, redirect_uri: str, state: str, nonce: str,
                  challenge: str) -> str:
    query = urlencode({
        "response_type": "code", "client_id": tenant.dezi.client_id, "redirect_uri": redirect_uri,
        "scope": tenant.dezi.scope, "state": state, "nonce": nonce, "response_mode": "query",
        "code_challenge": challenge, "code_challenge_method": "S256"})
    separator = "&" if "?" in provider.authorization_endpoint else "?"
    return f"{provider.authorization_endpoint}{separator}{query}"


def exchange(provider: Provider, tenant: TenantConfig, *, code: str, redirect_uri: str, verifier: str) -> dict:
    """The token response of ``code``. Dezi answers ``invalid_grant`` without saying why; the
    portal redeems each code once, right after Dezi issued it for this browser's state, so
    that answer means the PKCE verifier did not match (``dezi_pkce_failed``)."""
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
            "code_verifier": verifier, "client_id": tenant.dezi.client_id}
    response = transport.request(tenant, "POST", provider.token_endpoint, "token endpoint", data=form,
                                 headers={"Accept": "application/json"})
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.status_code != 200:
        error = body.get("error") if isinstance(body, dict) else None
        if error == "invalid_grant":
            raise DeziRefused("dezi_pkce_failed", "token endpoint: invalid_grant")
        raise DeziRefused("dezi_code_refused", f"token endpoint answered HTTP {response.status_code} {error or ''}")
    if not isinstance(body, dict) or not isinstance(body.get("access_token"), str) \
            or not isinstance(body.get("id_token"), str):
        raise DeziRefused("dezi_response_invalid", "token response without access_token or id_token")
    return body


def _keys(tenant: TenantConfig, url: str, refresh: bool = False) -> KeySet:
    keys = None if refresh else _jwks.get(url)
    if keys is None:
        try:
            keys = KeySet.import_key_set(transport.get_json(tenant, url, "JWKS"))  # type: ignore[arg-type]
        except (ValueError, TypeError, jose_errors.JoseError):
            raise DeziRefused("dezi_response_invalid", "JWKS cannot be read") from None
        _jwks.put(url, keys)
    return keys


def key_for(tenant: TenantConfig, url: str, kid: object):
    """The key ``kid`` of the JWKS at ``url``; an unknown kid reads the JWKS again (at most
    once a minute: Dezi rotates keys, a stranger's kid must not make us hammer it)."""
    if not isinstance(kid, str):
        raise DeziRefused("dezi_signature_invalid", "no kid in the header")
    for attempt in range(2):
        keys = _keys(tenant, url, refresh=attempt == 1)
        for key in keys.keys:
            if key.kid == kid:
                return key
        age = _jwks.age(url)
        if attempt == 0 and age is not None and age < REFRESH_SECONDS:
            break
    raise DeziRefused("dezi_signature_invalid", f"kid {kid[:40]!r} not in the JWKS")


def id_token_claims(provider: Provider, tenant: TenantConfig, id_token: str, nonce: str) -> dict:
    """The verified claims of the ID token: signature (RS256 by the JWKS), issuer, audience,
    expiry, and the nonce of this login (``dezi_nonce_mismatch``)."""
    config = tenant.dezi
    try:
        header = jws.extract_compact(id_token.encode("ascii")).protected
    except (ValueError, UnicodeError, jose_errors.JoseError):
        raise DeziRefused("dezi_response_invalid", "ID token is not a JWS") from None
    if header.get("alg") not in config.signing_algorithms:
        raise DeziRefused("dezi_signature_invalid", f"ID token alg {header.get('alg')!r}")
    key = key_for(tenant, provider.jwks_uri, header.get("kid"))
    try:
        claims = jwt.decode(id_token, key, algorithms=list(config.signing_algorithms)).claims
    except jose_errors.BadSignatureError:
        raise DeziRefused("dezi_signature_invalid", "ID token signature") from None
    except (ValueError, jose_errors.JoseError):
        raise DeziRefused("dezi_response_invalid", "ID token cannot be read") from None
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    now, skew = time.time(), config.clock_skew_seconds
    if _base(str(claims.get("iss", ""))) != _base(config.issuer or "") or config.client_id not in audiences:
        raise DeziRefused("dezi_response_invalid", "ID token iss or aud")
    if not isinstance(claims.get("exp"), int) or claims["exp"] < now - skew:
        raise DeziRefused("dezi_response_invalid", "ID token expired")
    if not isinstance(claims.get("sub"), str) or not claims["sub"]:
        raise DeziRefused("dezi_response_invalid", "ID token without sub")
    if not isinstance(claims.get("nonce"), str) or not secrets.compare_digest(claims["nonce"], nonce):
        raise DeziRefused("dezi_nonce_mismatch", "ID token nonce")
    return claims
