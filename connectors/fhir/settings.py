"""The fhir connector's settings: the ``connector.settings`` block of a tenant YAML.

Unknown keys are errors; secrets are never in YAML, only the names of the environment
variables that hold them. Files (certificates, CA bundles) are relative to the tenant folder.
"""
from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

BSN_SYSTEM = "http://fhir.nl/fhir/NamingSystem/bsn"
AGB_SYSTEM = "http://fhir.nl/fhir/NamingSystem/agb-z"
_ENV_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")
_TOKEN = re.compile(r"^[^|\s]+\|[^|\s]+$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


def _env_name(value: str | None) -> str | None:
    if value is not None and not _ENV_NAME.match(value):
        raise ValueError("must be an environment variable name (A-Z, 0-9, _)")
    return value


class AuthSettings(_Strict):
    """How the portal authenticates to the FHIR server."""

    method: Literal["none", "oauth2_client_credentials", "client_certificate"] = Field(
        "none", description="none (a trusted network only), oauth2_client_credentials or client_certificate")
    token_url: str | None = Field(None, description="OAuth2 token endpoint (oauth2_client_credentials)")
    client_id: str | None = Field(None, description="OAuth2 client id (not a secret)")
    client_secret_env: str | None = Field(None, description="Environment variable holding the OAuth2 client secret")
    token_auth_method: Literal["client_secret_basic", "client_secret_post"] = "client_secret_basic"
    scope: str | None = Field(None, description="OAuth2 scope(s), space separated, e.g. 'system/*.read system/Task.write'")
    cert_file: str | None = Field(None, description="PEM client certificate (client_certificate), relative to the tenant folder")
    key_file: str | None = Field(None, description="PEM private key of the client certificate")
    key_password_env: str | None = Field(None, description="Environment variable holding the key's password, if any")

    @field_validator("client_secret_env", "key_password_env")
    @classmethod
    def _envs(cls, value: str | None) -> str | None:
        return _env_name(value)

    @model_validator(mode="after")
    def _complete(self) -> "AuthSettings":
        if self.method == "oauth2_client_credentials":
            missing = [k for k in ("token_url", "client_id", "client_secret_env") if getattr(self, k) is None]
            if missing:
                raise ValueError(f"oauth2_client_credentials needs {', '.join(missing)}")
        if self.method == "client_certificate" and (self.cert_file is None or self.key_file is None):
            raise ValueError("client_certificate needs cert_file and key_file")
        return self


class Settings(_Strict):
    """Connection to one hospital's FHIR R4 server (nl-core / zib 2020 or plain R4)."""

    base_url: str = Field(description="FHIR base URL, e.g. https://fhir.hospital.example/fhir/R4")
    patient_number_system: str = Field(description="Identifier system of the hospital's patient numbers")
    auth: AuthSettings = AuthSettings()
    ca_file: str | None = Field(None, description="PEM CA bundle to verify the server, relative to the tenant folder (default: system CAs)")
    connect_timeout_seconds: float = Field(3.0, gt=0, le=60)
    timeout_seconds: float = Field(15.0, gt=0, le=300, description="Read timeout of one request")
    max_connections: int = Field(20, ge=1, le=200, description="Connection pool size")
    parallel_calls: int = Field(8, ge=1, le=64, description="Requests of one page that may run at the same time")
    page_size: int = Field(100, ge=1, le=1000, description="_count asked per search page")
    max_pages: int = Field(20, ge=1, le=1000, description="Next links followed per search before the answer counts as incomplete")
    consent_codes: tuple[str, ...] = Field(
        ("http://snomed.info/sct|425691002",),
        description="system|code tokens; an active Consent with one of these in category or policyRule is the "
                    "patient's toestemming for external providers (default: SNOMED 'consent given for electronic record sharing')")
    referral_codes: tuple[str, ...] = Field(
        ("http://snomed.info/sct|3457005",),
        description="system|code tokens of ServiceRequest.category that make an active request a referral (default: SNOMED 'patient referral')")
    elderly_care_role_codes: tuple[str, ...] = Field(
        ("urn:oid:2.16.840.1.113883.2.4.15.111|01.047",),
        description="system|code tokens of CareTeam.participant.role for the elderly-care physician (default: UZI role 01.047)")
    order_performer: str | None = Field(None, description="Reference put in ServiceRequest.performer of orders, e.g. Organization/hospital")

    @field_validator("base_url", "patient_number_system")
    @classmethod
    def _no_blank(cls, value: str) -> str:
        if not value:
            raise ValueError("must not be empty")
        return value

    @field_validator("base_url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not re.match(r"^https?://[^/\s]+", value):
            raise ValueError("must be an http(s) URL")
        return value.rstrip("/")

    @field_validator("consent_codes", "referral_codes", "elderly_care_role_codes")
    @classmethod
    def _tokens(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for token in value:
            if not _TOKEN.match(token):
                raise ValueError(f"{token!r} is not of the form system|code")
        return value
