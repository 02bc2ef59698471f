"""The tenant's back office (``backoffice:`` in tenant.yaml): the hospital's own staff —
privacy officer, application managers, service desk — on a hostname of their own, logging in
with the hospital's single sign-on (OpenID Connect), reachable only from the hospital's
address ranges. The client secret is never in YAML: ``client_secret_env`` names the
environment variable that holds it.
"""
from __future__ import annotations

import ipaddress

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .fields import EnvName

#: The portal's staff roles (what a claim value maps to).
STAFF_ROLES = ("privacy_officer", "application_manager", "service_desk")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class SignalsConfig(_Strict):
    """When the log review raises a signal (``portal.backoffice.signals``). Counts are per
    provider (or practice, or UZI number) per local day, over the last ``window_days``."""

    window_days: int = Field(30, ge=1, le=366, description="Days computed (and the baseline of 'usual')")
    min_patients: int = Field(20, ge=1, description="Distinct patients a day below which no 'many patients' signal")
    own_factor: float = Field(5, gt=1, description="'Many patients': more than this times the provider's own median")
    peer_factor: float = Field(5, gt=1, description="...or more than this times the median of all providers")
    office_start_hour: int = Field(7, ge=0, le=23, description="Usual hours begin (local time)")
    office_end_hour: int = Field(19, ge=1, le=24, description="Usual hours end (local time)")
    office_days: tuple[int, ...] = Field((1, 2, 3, 4, 5), description="Usual days (ISO: 1 = Monday)")
    off_hours_views: int = Field(10, ge=1, description="Views outside usual hours a day that raise a signal")
    follow_minutes: int = Field(10, ge=1, le=240, description="A search followed by an open within this is not bare")
    bare_searches: int = Field(15, ge=1, description="Searches a day without an open that raise a signal")
    refusals: int = Field(5, ge=1, description="Refusals (access_denied) a day that raise a signal")
    failed_logins: int = Field(5, ge=1, description="Failed logins a day per UZI number that raise a signal")
    emergency_per_provider: int = Field(3, ge=1, description="Noodprocedures a day per provider that raise a signal")
    emergency_per_practice: int = Field(6, ge=1, description="Noodprocedures a day per practice (HAP)")
    watch_list: tuple[str, ...] = Field((), description="Patient numbers whose every access is flagged")

    @field_validator("office_days")
    @classmethod
    def _days(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if any(day not in range(1, 8) for day in value):
            raise ValueError("days are 1 (Monday) to 7 (Sunday)")
        return value

    @model_validator(mode="after")
    def _hours(self) -> "SignalsConfig":
        if self.office_start_hour >= self.office_end_hour:
            raise ValueError("office_start_hour must be before office_end_hour")
        return self


class BackofficeConfig(_Strict):
    """The back office of one hospital."""

    enabled: bool = Field(False, description="Serve the back office on its hostnames")
    hostnames: tuple[str, ...] = Field((), description="Its own hostnames, e.g. beheer.zorgverleners.zgt.nl")
    allowed_ranges: tuple[str, ...] = Field((), description="The hospital's address ranges (CIDR) it answers")
    issuer: str | None = Field(None, description="The hospital's OpenID Connect issuer (https URL)")
    discovery_url: str | None = Field(None, description="Discovery document; none: the issuer's well-known one")
    client_id: str | None = Field(None, description="The back office's client id at the hospital's SSO")
    client_secret_env: EnvName | None = Field(None, description="Environment variable holding the client secret")
    scope: str = Field("openid profile", description="Scopes asked for")
    roles_claim: str = Field("roles", description="ID token claim carrying the staff member's roles or groups")
    name_claim: str = Field("name", description="ID token claim with the staff member's name")
    role_mapping: dict[str, tuple[str, ...]] = Field(default_factory=dict, description=(
        "Claim value -> portal roles (privacy_officer, application_manager, service_desk)"))
    ca_file: str | None = Field(None, description="PEM CA bundle verifying the SSO's TLS (none: the system's)")
    timeout_seconds: float = Field(10, gt=0, le=60, description="Per request to the SSO")
    idle_timeout_minutes: int = Field(30, ge=1, le=240, description="A staff session ends after this idle time")
    absolute_lifetime_hours: int = Field(10, ge=1, le=24, description="...and after this long in any case")
    secret_key_env: EnvName | None = Field(
        None, description="Environment variable with the back office's session secret")
    signals: SignalsConfig = Field(default_factory=SignalsConfig, description="The log review's signals")

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
