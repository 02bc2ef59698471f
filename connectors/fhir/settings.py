"""The fhir connector's settings: the ``connector.settings`` block of a tenant YAML.

Unknown keys are errors; secrets are never in YAML, only the names of the environment
variables that hold them. Files (certificates, CA bundles) are relative to the tenant folder.
"""
from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .pacs_settings import PacsSettings

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
        default="none", description="none (a trusted network only), oauth2_client_credentials or client_certificate")
    token_url: str | None = Field(default=None, description="OAuth2 token endpoint (oauth2_client_credentials)")
    client_id: str | None = Field(default=None, description="OAuth2 client id (not a secret)")
    client_secret_env: str | None = Field(
        default=None, description="Environment variable holding the OAuth2 client secret")
    token_auth_method: Literal["client_secret_basic", "client_secret_post"] = "client_secret_basic"
    scope: str | None = Field(
        default=None, description="OAuth2 scope(s), space separated, e.g. 'system/*.read system/Task.write'")
    cert_file: str | None = Field(
        default=None, description="PEM client certificate (client_certificate), relative to the tenant folder")
    key_file: str | None = Field(default=None, description="PEM private key of the client certificate")
    key_password_env: str | None = Field(
        default=None, description="Environment variable holding the key's password, if any")

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


SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
UZI_ROLE = "http://fhir.nl/fhir/NamingSystem/uzi-rolcode"
AGB_SPECIALISM = "urn:oid:2.16.840.1.113883.2.4.6.7"
ORGANIZATION_TYPE = "http://nictiz.nl/fhir/NamingSystem/organization-type"
#: The portal's own categories, for kinds of data no national code system names; an
#: integration engine can add them, or a hospital sets its own codes instead.
PORTAL_CATEGORY = "urn:zorgverlenersportaal:category"

Tokens = tuple[str, ...]


class Codes(_Strict):
    """Codes (``system|code``) that tell the connector what a resource is. The defaults are
    national or international codes where one exists (SNOMED CT, LOINC, UZI role codes,
    AGB specialisms, Nictiz organisation types), else the portal's own category system."""

    consent: Tokens = Field(
        default=(f"{SNOMED}|425691002",),
        description="Consent.category/policyRule: toestemming for external providers "
                    "(SNOMED 'consent given for electronic record sharing')")
    referral: Tokens = Field(
        default=(f"{SNOMED}|3457005",),
        description="ServiceRequest.category of referrals (SNOMED 'patient referral')")
    operation: Tokens = Field(
        default=(f"{SNOMED}|387713003",),
        description="ServiceRequest.category of operations (SNOMED 'surgical procedure')")
    general_practitioner: Tokens = (f"{UZI_ROLE}|01.015", f"{AGB_SPECIALISM}|0100", f"{AGB_SPECIALISM}|0101")
    elderly_care_physician: Tokens = (f"{UZI_ROLE}|01.047", f"{AGB_SPECIALISM}|0119")
    dentist: Tokens = (f"{UZI_ROLE}|02.000", f"{AGB_SPECIALISM}|1200")
    pharmacy: Tokens = (f"{UZI_ROLE}|17.000", f"{AGB_SPECIALISM}|0200", f"{ORGANIZATION_TYPE}|J8")
    treatment_report: Tokens = (f"{SNOMED}|11591000146107", f"{LOINC}|11488-4", f"{LOINC}|11506-3")
    nursing_report: Tokens = (f"{LOINC}|34746-8",)
    mdo_report: Tokens = (f"{PORTAL_CATEGORY}|mdo",)
    nursing_problem: Tokens = (f"{PORTAL_CATEGORY}|nursing-problem",)
    nursing_care_plan: Tokens = (f"{PORTAL_CATEGORY}|nursing-care-plan",)
    implant: Tokens = (f"{SNOMED}|40388003", f"{SNOMED}|14106009", f"{PORTAL_CATEGORY}|implant")
    inserted_material: Tokens = (f"{SNOMED}|19923001", f"{PORTAL_CATEGORY}|inserted-material")
    infection_risk: Tokens = (f"{SNOMED}|432415000", f"{PORTAL_CATEGORY}|infection-risk")
    alcohol: Tokens = (f"{SNOMED}|228273003",)
    tobacco: Tokens = (f"{SNOMED}|365980008",)
    drugs: Tokens = (f"{SNOMED}|228366006",)

    @field_validator("*")
    @classmethod
    def _tokens(cls, value: Tokens) -> Tokens:
        for token in value:
            if not _TOKEN.match(token):
                raise ValueError(f"{token!r} is not of the form system|code")
        return value


class Settings(_Strict):
    """Connection to one hospital's FHIR R4 server (nl-core / zib 2020 or plain R4)."""

    base_url: str = Field(description="FHIR base URL, e.g. https://fhir.hospital.example/fhir/R4")
    patient_number_system: str = Field(description="Identifier system of the hospital's patient numbers")
    auth: AuthSettings = AuthSettings()
    ca_file: str | None = Field(
        default=None,
        description="PEM CA bundle to verify the server, relative to the tenant folder (default: system CAs)")
    connect_timeout_seconds: float = Field(default=3.0, gt=0, le=60)
    timeout_seconds: float = Field(default=15.0, gt=0, le=300, description="Read timeout of one request")
    max_connections: int = Field(default=20, ge=1, le=200, description="Connection pool size")
    parallel_calls: int = Field(
        default=8, ge=1, le=64, description="Requests of one page that may run at the same time")
    page_size: int = Field(default=100, ge=1, le=1000, description="_count asked per search page")
    max_pages: int = Field(
        default=20, ge=1, le=1000,
        description="Next links followed per search before the answer counts as incomplete")
    codes: Codes = Field(default_factory=lambda: Codes(), description="Which codes mark what (system|code tokens)")
    order_performer: str | None = Field(
        default=None,
        description="Reference put in ServiceRequest.performer of orders, e.g. Organization/hospital")
    pacs: PacsSettings | None = Field(
        default=None, description="The hospital's PACS (DICOMweb) for ImagingStudy images; none: no PACS images")

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

