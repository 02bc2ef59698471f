"""The tenant's back office (``backoffice:`` in tenant.yaml): the hospital's own staff —
privacy officer, application managers, service desk — on a hostname of their own, logging in
with the hospital's single sign-on (OpenID Connect), reachable only from the hospital's
address ranges. The client secret is never in YAML: ``client_secret_env`` names the
environment variable that holds it.
"""
from __future__ import annotations

import ipaddress
import re

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

_ENV_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")

#: The portal's staff roles (what a claim value maps to).
STAFF_ROLES = ("privacy_officer", "application_manager", "service_desk")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class BackofficeConfig(_Strict):
    """The back office of one hospital."""

    enabled: bool = Field(False, description="Serve the back office on its hostnames")
    hostnames: tuple[str, ...] = Field((), description="Its own hostnames, e.g. beheer.zorgverleners.zgt.nl")
    allowed_ranges: tuple[str, ...] = Field((), description="The hospital's address ranges (CIDR) it answers")
    issuer: str | None = Field(None, description="The hospital's OpenID Connect issuer (https URL)")
    discovery_url: str | None = Field(None, description="Discovery document; none: the issuer's well-known one")
    client_id: str | None = Field(None, description="The back office's client id at the hospital's SSO")
    client_secret_env: str | None = Field(None, description="Environment variable holding the client secret")
    scope: str = Field("openid profile", description="Scopes asked for")
    roles_claim: str = Field("roles", description="ID token claim carrying the staff member's roles or groups")
    name_claim: str = Field("name", description="ID token claim with the staff member's name")
    role_mapping: dict[str, tuple[str, ...]] = Field(default_factory=dict, description=(
        "Claim value -> portal roles (privacy_officer, application_manager, service_desk)"))
    ca_file: str | None = Field(None, description="PEM CA bundle verifying the SSO's TLS (none: the system's)")
    timeout_seconds: float = Field(10, gt=0, le=60, description="Per request to the SSO")
    idle_timeout_minutes: int = Field(30, ge=1, le=240, description="A staff session ends after this idle time")
    absolute_lifetime_hours: int = Field(10, ge=1, le=24, description="...and after this long in any case")
    secret_key_env: str | None = Field(None, description="Environment variable with the back office's session secret")

    @field_validator("client_secret_env", "secret_key_env")
    @classmethod
    def _env(cls, value: str | None) -> str | None:
        if value is not None and not _ENV_NAME.match(value):
            raise ValueError("must be an environment variable name (A-Z, 0-9, _)")
        return value

    @field_validator("hostnames")
    @classmethod
    def _hostnames(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(h.lower().rstrip(".") for h in value)

    @field_validator("allowed_ranges")
    @classmethod
    def _ranges(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for entry in value:
            ipaddress.ip_network(entry, strict=False)  # ValueError names the bad entry
        return value

    @field_validator("role_mapping")
    @classmethod
    def _roles(cls, value: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        for claim, roles in value.items():
            unknown = [r for r in roles if r not in STAFF_ROLES]
            if unknown:
                raise ValueError(f"'{claim}' maps to unknown roles {unknown}; roles are {', '.join(STAFF_ROLES)}")
        return value

    @model_validator(mode="after")
    def _complete(self) -> "BackofficeConfig":
        if self.enabled:
            missing = [name for name in ("hostnames", "allowed_ranges", "issuer", "client_id", "client_secret_env",
                                         "role_mapping") if not getattr(self, name)]
            if missing:
                raise ValueError(f"an enabled back office needs {', '.join(missing)}")
            if not (self.issuer or "").startswith("https://"):
                raise ValueError("the SSO issuer must be an https URL")
        return self
