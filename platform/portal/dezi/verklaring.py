"""The Dezi-verklaring: the userinfo JWE decrypted, its envelope read, the verklaring verified.

``/userinfo`` answers a JWE (``RSA-OAEP`` + ``A256CBC-HS512``) encrypted to the certificate
the portal registered. Inside is an envelope (JSON: ``iss``, ``aud``, ``loa_authn``,
``verklaring_id``, ``verklaring``) whose ``verklaring`` is a JWS (RS256) sealed by Dezi: its
header names the sealing key's JWKS (``jku``, which must be on the tenant's allow-list,
compared exactly) and the key (``kid``).

``read_userinfo`` returns a ``Verklaring`` only when all of that holds: from then on the
attempt is the named provider's (its refusals are audited in their name). ``admit`` then
applies the tenant's rules: validity (``nbf``/``exp``), levels of assurance, role.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass

from joserfc import errors as jose_errors
from joserfc import jwe, jws, jwt

from ..tenants.schema import TenantConfig
from . import oidc
from .errors import DeziRefused

#: Claims every verklaring carries, with their JSON type.
REQUIRED = {"dezi_nummer": str, "achternaam": str, "abonnee_nummer": str, "rol_code": str, "loa_dezi": str,
            "verklaring_id": str, "status_uri": str, "nbf": int, "exp": int, "jti": str}
OPTIONAL = ("voorletters", "voorvoegsel", "abonnee_naam", "rol_naam", "rol_code_bron")


@dataclass(frozen=True)
class Verklaring:
    """A verified Dezi-verklaring (and the envelope's ``loa_authn``)."""

    dezi_number: str
    voorletters: str
    voorvoegsel: str
    achternaam: str
    ura: str
    organisation: str
    role: str
    role_name: str
    role_source: str
    loa_dezi: str
    loa_authn: str
    verklaring_id: str
    status_uri: str
    not_before: int
    expires: int
    jti: str

    @property
    def name(self) -> str:
        """As the audit log and the screens name a provider: "J. van Dijk"."""
        return " ".join(part for part in (self.voorletters, self.voorvoegsel, self.achternaam) if part)

    def audit_details(self) -> dict[str, str]:
        return {"dezi_number": self.dezi_number, "verklaring_id": self.verklaring_id, "ura": self.ura,
                "loa_dezi": self.loa_dezi, "loa_authn": self.loa_authn}


def _envelope(tenant: TenantConfig, text: str) -> dict:
    config = tenant.dezi
    from .keys import KeyUnavailable, decryption_key

    try:
        key = decryption_key(tenant)
    except KeyUnavailable as exc:
        raise DeziRefused("dezi_unavailable", f"decryption key: {exc}") from None
    try:
        plaintext = jwe.decrypt_compact(text.strip(), key, algorithms=[config.userinfo_alg, config.userinfo_enc])
    except (ValueError, UnicodeError, jose_errors.JoseError) as exc:
        raise DeziRefused("dezi_response_invalid", f"userinfo JWE cannot be decrypted: {type(exc).__name__}") from None
    try:
        envelope = json.loads(plaintext.plaintext or b"")
    except ValueError:
        raise DeziRefused("dezi_response_invalid", "userinfo envelope is not JSON") from None
    if not isinstance(envelope, dict):
        raise DeziRefused("dezi_response_invalid", "userinfo envelope is not a JSON object")
    audience = envelope.get("aud")
    if str(envelope.get("iss", "")).rstrip("/") != (config.issuer or "").rstrip("/") or \
            config.client_id not in (audience if isinstance(audience, list) else [audience]):
        raise DeziRefused("dezi_response_invalid", "envelope iss or aud")
    for name in ("loa_authn", "verklaring_id", "verklaring"):
        if not isinstance(envelope.get(name), str):
            raise DeziRefused("dezi_response_invalid", f"envelope without {name}")
    return envelope


def _verified_claims(tenant: TenantConfig, token: str) -> dict:
    config = tenant.dezi
    try:
        header = jws.extract_compact(token.encode("ascii")).protected
    except (ValueError, UnicodeError, jose_errors.JoseError):
        raise DeziRefused("dezi_response_invalid", "verklaring is not a JWS") from None
    if header.get("alg") not in config.signing_algorithms:
        raise DeziRefused("dezi_signature_invalid", f"verklaring alg {header.get('alg')!r}")
    jku = header.get("jku")
    if not isinstance(jku, str) or jku not in config.jku_allow_list:
        raise DeziRefused("dezi_jku_unknown", f"jku {str(jku)[:120]!r}")
    key = oidc.key_for(tenant, jku, header.get("kid"))
    try:
        return dict(jwt.decode(token, key, algorithms=list(config.signing_algorithms)).claims)
    except jose_errors.BadSignatureError:
        raise DeziRefused("dezi_signature_invalid", "verklaring signature") from None
    except (ValueError, jose_errors.JoseError):
        raise DeziRefused("dezi_response_invalid", "verklaring cannot be read") from None


def read_userinfo(tenant: TenantConfig, text: str) -> Verklaring:
    """The verified verklaring of a userinfo answer; ``DeziRefused`` otherwise."""
    envelope = _envelope(tenant, text)
    claims = _verified_claims(tenant, envelope["verklaring"])
    for name, kind in REQUIRED.items():
        if not isinstance(claims.get(name), kind) or isinstance(claims.get(name), bool):
            raise DeziRefused("dezi_response_invalid", f"verklaring without {name}")
    if claims["verklaring_id"] != envelope["verklaring_id"]:
        raise DeziRefused("dezi_response_invalid", "envelope and verklaring name other verklaring_ids")
    extra: dict[str, str] = {name: value if isinstance(value := claims.get(name), str) else "" for name in OPTIONAL}
    return Verklaring(
        dezi_number=claims["dezi_nummer"], voorletters=extra["voorletters"], voorvoegsel=extra["voorvoegsel"],
        achternaam=claims["achternaam"], ura=claims["abonnee_nummer"], organisation=extra["abonnee_naam"],
        role=claims["rol_code"], role_name=extra["rol_naam"], role_source=extra["rol_code_bron"],
        loa_dezi=claims["loa_dezi"], loa_authn=envelope["loa_authn"], verklaring_id=claims["verklaring_id"],
        status_uri=claims["status_uri"], not_before=claims["nbf"], expires=claims["exp"], jti=claims["jti"])


def admit(tenant: TenantConfig, verklaring: Verklaring, now: float | None = None) -> None:
    """The tenant's rules for a verified verklaring, in a fixed order: valid now (with the
    configured clock skew), levels of assurance, role."""
    config = tenant.dezi
    now = time.time() if now is None else now
    if verklaring.not_before > now + config.clock_skew_seconds:
        raise DeziRefused("dezi_not_yet_valid", f"nbf {verklaring.not_before}")
    if verklaring.expires <= now - config.clock_skew_seconds:
        raise DeziRefused("dezi_expired", f"exp {verklaring.expires}")
    if verklaring.loa_authn not in config.allowed_loa or verklaring.loa_dezi not in config.allowed_loa:
        raise DeziRefused("dezi_loa_too_low", f"loa_authn {verklaring.loa_authn}, loa_dezi {verklaring.loa_dezi}")
    if verklaring.role not in config.allowed_roles:
        raise DeziRefused("role_not_allowed", f"rol_code {verklaring.role}")
