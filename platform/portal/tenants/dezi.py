"""The tenant's Dezi settings (``dezi:`` in tenant.yaml): logging in with Dezi next to the UZI-pas.

Dezi's koppelvlakspecificatie (v0.7) is a concept; what it may still change (algorithms, the
status answer, what ends a session) is a setting here with the concept's value as default.
The decryption key is never in YAML: a PEM file or a key on a PKCS#11 token, its PIN in the
environment.
"""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .fields import EnvName, RoleCode

#: eIDAS levels of assurance, as Dezi names them (loa_authn, loa_dezi).
LOA_SUBSTANTIAL = "http://eidas.europa.eu/LoA/substantial"
LOA_HIGH = "http://eidas.europa.eu/LoA/high"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Pkcs11Key(_Strict):
    """The userinfo decryption key on a PKCS#11 token (an HSM; SoftHSM2 in the tests)."""

    module: str = Field(description="Path of the PKCS#11 library, e.g. /usr/lib/softhsm/libsofthsm2.so")
    token_label: str = Field(min_length=1, description="Label of the token holding the key")
    key_label: str = Field(min_length=1, description="Label of the RSA private key on it")
    pin_env: EnvName = Field(description="Environment variable holding the token's user PIN")


class DeziConfig(_Strict):
    """Logging in with Dezi (OpenID Connect, the encrypted Dezi-verklaring)."""

    enabled: bool = Field(False, description="Offer 'Inloggen met Dezi' on the login page")
    issuer: str | None = Field(None, description="Dezi's OpenID Connect issuer (https URL)")
    discovery_url: str | None = Field(
        None, description="Its discovery document; none: <issuer>/.well-known/openid-configuration")
    client_id: str | None = Field(None, description="The portal's client id at Dezi (a public client)")
    scope: str = Field("openid", description="Scopes asked for")
    decryption_key_file: str | None = Field(
        None, description="PEM file (relative to the tenant folder, or absolute) of the RSA private key whose "
                          "certificate the portal registered at Dezi; the userinfo JWE is encrypted to it")
    decryption_key_password_env: EnvName | None = Field(
        None, description="Environment variable holding that PEM file's password (if encrypted)")
    decryption_pkcs11: Pkcs11Key | None = Field(None, description="Or the key on a PKCS#11 token")
    jku_allow_list: tuple[str, ...] = Field(
        (), description="The jku URLs (exactly) from which Dezi's sealing keys are accepted")
    allowed_roles: tuple[RoleCode, ...] = Field(("01.015", "01.047"), description="rol_code values admitted")
    allowed_loa: tuple[str, ...] = Field(
        (LOA_HIGH,), description="Levels of assurance admitted, for loa_authn and loa_dezi alike")
    organisation_check: Literal["if_known", "required"] = Field(
        "if_known", description="abonnee_nummer (URA) must equal the account's ura: when the account has one, "
                                "or always (an account without ura is refused)")
    status_check_seconds: int = Field(300, ge=1, le=86400,
                                      description="How often a session checks that its verklaring is still active")
    status_grace_seconds: int = Field(
        900, ge=0, le=86400, description="During a session, how long an unreachable status service is tolerated "
                                         "since the last answer 'actief'; 0: fail closed at once")
    status_active_value: str = Field("actief", description="The status answer meaning 'still active'")
    end_session_at_expiry: bool = Field(True, description="The session ends when the verklaring's exp passes")
    clock_skew_seconds: int = Field(60, ge=0, le=300, description="Tolerance on nbf, exp and iat")
    userinfo_alg: str = Field("RSA-OAEP", description="Key encryption of the userinfo JWE")
    userinfo_enc: str = Field("A256CBC-HS512", description="Content encryption of the userinfo JWE")
    signing_algorithms: tuple[str, ...] = Field(("RS256",), description="Accepted signatures (ID token, verklaring)")
    tls_minimum_version: Literal["1.2", "1.3"] = Field("1.3", description="Lowest TLS version towards Dezi")
    ca_file: str | None = Field(None, description="PEM CA bundle verifying Dezi's TLS; none: the system's CAs")
    timeout_seconds: float = Field(10.0, gt=0, le=60, description="Per request to Dezi")

    @model_validator(mode="after")
    def _complete_when_enabled(self) -> "DeziConfig":
        if self.decryption_key_file is not None and self.decryption_pkcs11 is not None:
            raise ValueError("give one of decryption_key_file and decryption_pkcs11, not both")
        if not self.enabled:
            return self
        missing = [name for name in ("issuer", "client_id") if not getattr(self, name)]
        if self.decryption_key_file is None and self.decryption_pkcs11 is None:
            missing.append("decryption_key_file or decryption_pkcs11")
        if not self.jku_allow_list:
            missing.append("jku_allow_list")
        if missing:
            raise ValueError(f"enabled needs {', '.join(missing)}")
        for url in (self.issuer, self.discovery_url, *self.jku_allow_list):
            if url is not None and not url.startswith("https://"):
                raise ValueError(f"{url!r} is not an https URL (Dezi is spoken to over TLS only)")
        return self

    @property
    def discovery(self) -> str:
        return self.discovery_url or f"{(self.issuer or '').rstrip('/')}/.well-known/openid-configuration"
