"""A signed launch context from a HIS: the JWT of ``POST /launch`` (form field ``jwt``).

``verify(token, tenant, now)`` checks, in order, and refuses with the first failure:

1. the issuer (``iss``) is one the tenant trusts (``launch.signed[].issuer``);
2. the signature, by one of that issuer's keys (``kid``; without one, each key in turn),
   with an algorithm that issuer may use (RS256, RS512, ES256 — never ``none`` or HMAC);
3. the audience (``aud``) is this portal (``launch.audience``, else https://<hostname>);
4. ``exp`` has not passed and lies at most ``launch.max_lifetime_seconds`` ahead; ``nbf``
   and ``iat`` are not in the future (each with ``LEEWAY`` for clocks apart);
5. a ``jti`` is there; that it was never used before is the store's part (``store.accept``);
6. the claims, as the issuer's claim names map them (``claims.build``).
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from joserfc import errors as jose_errors
from joserfc import jws, jwt
from joserfc.jwk import KeySet

from ..tenants.schema import SignedLaunchIssuer, TenantConfig
from . import keys
from .claims import LaunchContext, build, text
from .refusals import LaunchRefused

#: Clocks of a HIS and the portal may differ this much.
LEEWAY = timedelta(seconds=30)
#: A launch JWT is a few hundred bytes; anything far larger is not one.
MAX_TOKEN = 16 * 1024
MAX_JTI = 255


def audiences(tenant: TenantConfig) -> set[str]:
    """The ``aud`` values that name this portal."""
    if tenant.launch.audience:
        return {tenant.launch.audience}
    return {f"https://{host}" for host in tenant.hostnames}


def trusted_issuer(tenant: TenantConfig, iss: str | None) -> SignedLaunchIssuer | None:
    return next((i for i in tenant.launch.signed if iss is not None and i.issuer == iss), None)


def _unverified(token: str) -> tuple[dict, dict]:
    """Header and payload, read before the signature is checked (to find the issuer's keys)."""
    try:
        compact = jws.extract_compact(token.encode("ascii"))
        payload = json.loads(compact.payload)
    except (UnicodeError, ValueError, jose_errors.JoseError):
        raise LaunchRefused("invalid", problem="not a JWT") from None
    if not isinstance(payload, dict):
        raise LaunchRefused("invalid", problem="JWT payload is not an object")
    return dict(compact.protected), payload


def _decode(token: str, key_set: KeySet, alg: str, kid: str | None) -> dict:
    if kid is None:
        candidates = [KeySet([k]) for k in key_set.keys]
    else:
        candidates = [key_set]
    for candidate in candidates:
        try:
            return dict(jwt.decode(token, candidate, algorithms=[alg]).claims)
        except (jose_errors.BadSignatureError, ValueError, jose_errors.UnsupportedKeyAlgorithmError,
                jose_errors.InvalidKeyTypeError):
            continue
    raise LaunchRefused("bad_signature", problem="signature does not verify")


def _signed_claims(token: str, tenant: TenantConfig, header: dict, issuer: SignedLaunchIssuer) -> dict:
    alg = header.get("alg")
    if alg not in issuer.algorithms:
        raise LaunchRefused("bad_signature", issuer=issuer.name, problem=f"algorithm not accepted: {str(alg)[:20]}")
    kid = text(header.get("kid"))
    key_set = keys.key_set(tenant, issuer)
    if kid is not None and not any(k.kid == kid for k in key_set.keys):
        key_set = keys.key_set(tenant, issuer, refresh=True)  # a rotated key: ask the URL again
        if not any(k.kid == kid for k in key_set.keys):
            raise LaunchRefused("unknown_key", issuer=issuer.name, kid=kid[:100])
    try:
        return _decode(token, key_set, alg, kid)
    except LaunchRefused as exc:
        raise LaunchRefused(exc.code, issuer=issuer.name, **exc.details) from None
    except jose_errors.JoseError as exc:
        raise LaunchRefused("bad_signature", issuer=issuer.name, problem=exc.error) from None


def _instant(claims: dict, name: str) -> datetime | None:
    value = claims.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise LaunchRefused("invalid", problem=f"{name} is not a number")
    return datetime.fromtimestamp(value, timezone.utc)


def verify(token: str, tenant: TenantConfig, now: datetime) -> tuple[LaunchContext, datetime]:
    """The verified launch and its ``exp``; ``LaunchRefused`` otherwise (see the module)."""
    if not token or len(token) > MAX_TOKEN:
        raise LaunchRefused("invalid", problem="no JWT in the form field 'jwt'")
    header, unverified = _unverified(token)
    iss = text(unverified.get("iss"))
    issuer = trusted_issuer(tenant, iss)
    if issuer is None:
        raise LaunchRefused("unknown_issuer", claimed_issuer=(iss or "none")[:100])
    claims = _signed_claims(token, tenant, header, issuer)
    named = {"issuer": issuer.name}
    aud = claims.get("aud")
    given = {aud} if isinstance(aud, str) else set(a for a in aud if isinstance(a, str)) \
        if isinstance(aud, list) else set()
    if not given & audiences(tenant):
        raise LaunchRefused("wrong_audience", **named, audience=(", ".join(sorted(given)) or "none")[:200])
    jti = text(claims.get("jti"))
    if jti is None or len(jti) > MAX_JTI:
        raise LaunchRefused("invalid", **named, problem="jti missing or too long")
    named["jti"] = jti
    expires = _instant(claims, "exp")
    if expires is None:
        raise LaunchRefused("invalid", **named, problem="exp missing")
    if expires <= now - LEEWAY:
        raise LaunchRefused("expired", **named)
    if expires > now + timedelta(seconds=tenant.launch.max_lifetime_seconds) + LEEWAY:
        raise LaunchRefused("lifetime_too_long", **named)
    for name in ("nbf", "iat"):
        moment = _instant(claims, name)
        if moment is not None and moment > now + LEEWAY:
            raise LaunchRefused("invalid", **named, problem=f"{name} in the future")
    names = issuer.claims
    try:
        context = build("signed", issuer.name, jti, bsn=claims.get(names.patient_bsn),
                        destination=claims.get(names.destination), provider_uzi=claims.get(names.provider_uzi),
                        provider_agb=claims.get(names.provider_agb), provider_big=claims.get(names.provider_big),
                        organisation_ura=claims.get(names.organisation_ura),
                        organisation_agb=claims.get(names.organisation_agb))
    except LaunchRefused as exc:
        raise LaunchRefused(exc.code, **named, **exc.details) from None
    return context, expires
