"""The tenant YAML schema: every key a hospital may set, with its type and default.

Models are frozen and forbid unknown keys, so a misspelt key is an error rather than a
silently ignored setting. The documentation of each key is the ``description`` of its
field; ``portal tenants schema`` prints them.
"""
from __future__ import annotations

import ipaddress
import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .backoffice import BackofficeConfig
from .dezi import DeziConfig
from .fields import EnvName, RoleCode

#: Menu items of the manual's navigation bar, in display order (code names: docs/domain.md, glossary).
MENU_ITEMS = ("patient_search", "worklist", "patient_info", "care_events", "record", "results", "orders")

_HOSTNAME = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Helpdesk(_Strict):
    """How the hospital's own helpdesk is reached ("Problemen met inloggen?")."""

    name: str = Field(description="Name as the manual gives it, e.g. 'ZGT lijn 1-2'")
    phone: str | None = Field(None, description="Telephone number as shown to GPs")
    hours: str | None = Field(None, description="When the phone is answered")
    email: str | None = Field(None, description="E-mail address")
    note: str | None = Field(None, description="Extra instruction, e.g. MST's call-back note")


class UziSupport(_Strict):
    """The UZI-pas support desk (not run by the hospital)."""

    name: str = "Supportdesk Atos"
    phone: str = "088-265590"
    email: str = "UZI-pas.support@atos.net"
    hours: str = "Op werkdagen van 08.00 - 18.00 uur"
    faq_url: str = "https://www.uziregister.nl/veelgestelde-vragen"


class Branding(_Strict):
    """Names and logo shown in the header."""

    logo: str = Field("logo.svg", description="File in the theme folder")
    logo_alt: str = Field(description="Text alternative of the logo")
    tagline: str | None = None


class ConnectorConfig(_Strict):
    """Which EPD connector serves this hospital, by entry-point name, and its settings."""

    name: str = Field(description="Entry-point name in the group 'portal.connectors'")
    settings: dict[str, Any] = Field(default_factory=dict, description="Validated by the connector's own schema")


class AccountRegistration(_Strict):
    """Where providers arrange their account (manual chapter 2, condition 2)."""

    name: str = "ZorgNetOost"
    short_name: str = "ZNO"
    contact_url: str = "https://zorgnetoost.nl/contact/"
    signup_form_url: str = "https://zorgnetoost.nl/wp-content/uploads/2021/10/AanmeldformulierZorgNetOost_2021.pdf"
    signoff_form_url: str = "https://zorgnetoost.nl/wp-content/uploads/2021/10/AfmeldformulierZorgNetOost_2021.pdf"


class AuthConfig(_Strict):
    """UZI-pas login settings."""

    trusted_ca_files: tuple[str, ...] = Field(
        (), description="PEM files (relative to the tenant folder) of trusted UZI CA certificates")
    crl_files: tuple[str, ...] = Field(
        (), description="CRL files (relative to the tenant folder), refreshed by 'portal auth refresh-crls'")
    crl_urls: tuple[str, ...] = Field(
        (), description="Where 'portal auth refresh-crls' fetches each CRL; the n-th URL is saved to the n-th "
                        "crl_files entry")
    allowed_card_types: tuple[str, ...] = ("Z",)
    allowed_roles: tuple[RoleCode, ...] = ("01.015", "01.047")
    demo_login: bool = Field(False, description="Offer the demo cards on the login page (development only)")
    trusted_proxies: tuple[str, ...] = Field((), description=(
        "The reverse proxies: only from these are X-Forwarded-For/-Proto and the forwarded client "
        "certificate believed. 'unix' for requests over gunicorn's Unix socket (the proxy on the "
        "same machine), or the proxy's address or network (CIDR) when it connects over TCP"))
    client_cert_header: str = "X-SSL-Client-Cert"
    challenge_seconds: int = Field(120, ge=10, le=900)
    helper_port: int = Field(8723, ge=1024, le=65535,
                             description="Loopback port of 'portal-uzi-login serve' on the GP's PC")
    registration: AccountRegistration = AccountRegistration()

    @model_validator(mode="after")
    def _crl_pairs(self) -> "AuthConfig":
        if self.crl_urls and len(self.crl_urls) != len(self.crl_files):
            raise ValueError("crl_urls pairs with crl_files by position: list as many URLs as files")
        return self

    @field_validator("allowed_card_types")
    @classmethod
    def _card_types(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for card in value:
            if card not in {"Z", "N", "M", "S"}:
                raise ValueError(f"unknown card type {card!r} (Z, N, M or S)")
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for entry in value:
            if entry == "unix":  # portal.core.security.UNIX_SOCKET
                continue
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(
                    f"{entry!r} is neither 'unix' (requests over gunicorn's Unix socket) nor an address or "
                    "network such as 10.0.10.5 or 10.0.10.0/24 (the proxy connecting over TCP)") from None
        return value


class AccessConfig(_Strict):
    """Who may see which patient: HAP ranges and the noodprocedure."""

    hap_ip_ranges: tuple[str, ...] = Field((), description="Networks of the huisartsenposten (CIDR)")
    emergency_access_minutes: int = Field(240, ge=1, le=24 * 60)
    min_reason_length: int = Field(10, ge=1, le=500)
    decision_cache_seconds: int = Field(60, ge=0, le=300, description=(
        "How long, within one selection of a patient, the access decision reuses the EPD's consent and "
        "relations it last read (0: read before every page)"))

    @field_validator("hap_ip_ranges")
    @classmethod
    def _networks(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for net in value:
            ipaddress.ip_network(net, strict=False)
        return value


class SessionConfig(_Strict):
    """Login session lifetimes."""

    idle_timeout_minutes: int = Field(15, ge=1, le=240)
    absolute_lifetime_hours: int = Field(12, ge=1, le=24)


class RateLimit(_Strict):
    """At most ``count`` requests per ``seconds`` (a sliding window)."""

    count: int = Field(ge=1, le=100_000)
    seconds: int = Field(ge=1, le=24 * 3600)


class RateLimitConfig(_Strict):
    """Rate limits, counted in the portal database so they hold across workers and machines."""

    login_per_address: RateLimit = Field(RateLimit(count=30, seconds=300),
                                         description="Login requests per client address")
    login_per_card: RateLimit = Field(RateLimit(count=10, seconds=300), description=(
        "Login attempts per card, counted only once the certificate and the card's signature verified "
        "(an attempt without the card counts per address only)"))
    search_per_provider: RateLimit = Field(RateLimit(count=120, seconds=300),
                                           description="Patient searches per logged-in provider")
    launch_per_address: RateLimit = Field(RateLimit(count=60, seconds=300), description=(
        "Launches from a HIS or EHR (POST /launch, GET /launch/smart) per client address; opening a "
        "launched patient counts as a search"))
    inzagelog_api_per_address: RateLimit = Field(RateLimit(count=60, seconds=60),
                                                 description="Calls of the inzagelog API per client address")


class ApiClientCertificate(_Strict):
    """A client certificate that may call the inzagelog API (mutual TLS at the proxy)."""

    name: str = Field(min_length=1, max_length=120,
                      description="Who holds it, as the audit log names the caller (e.g. 'Patiëntenportaal ZGT')")
    sha256: str = Field(description="SHA-256 fingerprint of the certificate (DER), hexadecimal, colons allowed: "
                                    "openssl x509 -noout -fingerprint -sha256 -in client.pem")

    @field_validator("sha256")
    @classmethod
    def _fingerprint(cls, value: str) -> str:
        digits = value.replace(":", "").strip().lower()
        if not re.fullmatch(r"[0-9a-f]{64}", digits):
            raise ValueError("must be a SHA-256 fingerprint: 64 hexadecimal digits, colons allowed")
        return digits


class AuditConfig(_Strict):
    """NEN 7513 audit log settings."""

    retention_years: int = Field(5, ge=5, le=115, description="Minimum retention in years: NEN 7513 asks at least 5; "
                                 "'portal audit archive' refuses to archive younger records")
    retention_max_years: int | None = Field(None, ge=5, le=115, description=(
        "Maximum retention in years (none: no maximum): 'portal audit verify' says when older records are still "
        "in the database, to be archived"))
    api_token_env: EnvName | None = Field(None, description="Environment variable holding the inzagelog API token")
    api_client_certificates: tuple[ApiClientCertificate, ...] = Field((), description=(
        "Client certificates (mutual TLS through the proxy) that may call the inzagelog API; with "
        "api_token_env set as well, a call needs both"))
    system_name: str = Field("zorgverlenersportaal", description="Source system recorded with every event")

    @model_validator(mode="after")
    def _retention_order(self) -> "AuditConfig":
        if self.retention_max_years is not None and self.retention_max_years < self.retention_years:
            raise ValueError(f"retention_max_years ({self.retention_max_years}) must not be less than "
                             f"retention_years ({self.retention_years}), the minimum")
        return self


#: JOSE algorithms a signed launch may use (asymmetric only: the HIS signs, the portal verifies).
LAUNCH_ALGORITHMS = ("RS256", "RS512", "ES256")


class LaunchClaims(_Strict):
    """The claim names of a signed launch context; the defaults are the HINQ XIS→Viewer
    convention of the Twente networks."""

    provider_uzi: str = Field("user-uzi", description="UZI number of the provider")
    provider_big: str = Field("user-big", description="BIG number of the provider (recorded only)")
    provider_agb: str = Field("user-agb", description="AGB code of the provider")
    organisation_ura: str = Field("org-ura", description="URA of the provider's organisation (recorded only)")
    organisation_agb: str = Field("org-agb", description="AGB code of the provider's organisation (recorded only)")
    patient_bsn: str = Field("patient-bsn", description="BSN of the patient")
    destination: str = Field("dest", description="The portal page to open, by its fixed name")


class SignedLaunchIssuer(_Strict):
    """A HIS vendor or regional network whose signed launch contexts (POST /launch) are trusted."""

    name: str = Field(min_length=1, max_length=80, description="Who it is, as the audit log names it")
    issuer: str = Field(min_length=1, max_length=255, description="Its 'iss' claim, exactly")
    jwks_file: str | None = Field(None, description="Its public keys: a JWKS file in the tenant folder")
    jwks_url: str | None = Field(None, description="Or the https URL of its JWKS")
    algorithms: tuple[str, ...] = Field(LAUNCH_ALGORITHMS, description="Signature algorithms accepted")
    claims: LaunchClaims = LaunchClaims()

    @model_validator(mode="after")
    def _one_key_source(self) -> "SignedLaunchIssuer":
        if (self.jwks_file is None) == (self.jwks_url is None):
            raise ValueError("give exactly one of jwks_file and jwks_url")
        unknown = [a for a in self.algorithms if a not in LAUNCH_ALGORITHMS]
        if unknown or not self.algorithms:
            raise ValueError(f"algorithms: choose from {', '.join(LAUNCH_ALGORITHMS)}")
        return self


class SmartIssuer(_Strict):
    """An EHR that may launch the portal with HL7 SMART App Launch (GET /launch/smart)."""

    name: str = Field(min_length=1, max_length=80, description="Who it is, as the audit log names it")
    issuer: str = Field(min_length=1, max_length=255, description="Its FHIR base URL, the launch's 'iss'")
    client_id: str = Field(min_length=1, max_length=255, description="The portal's client id there")
    client_secret_env: EnvName | None = Field(
        None, description="Environment variable with the client secret (a confidential client); "
                          "none: a public client (PKCE only)")
    scope: str = Field("launch openid fhirUser patient/Patient.read", description="Scopes asked for")


class LaunchConfig(_Strict):
    """Opening a patient from the provider's own system: signed context (HIS) and SMART (EHR)."""

    audience: str | None = Field(None, description="The 'aud' a signed launch must name; none: "
                                 "https://<hostname> of any of the tenant's hostnames")
    max_lifetime_seconds: int = Field(300, ge=30, le=300,
                                      description="Longest a signed launch may be valid ('exp' from now)")
    signed: tuple[SignedLaunchIssuer, ...] = Field((), description="Trusted issuers of signed launches")
    smart: tuple[SmartIssuer, ...] = Field((), description="Trusted SMART App Launch issuers (EHRs)")


class SmtpConfig(_Strict):
    """The mail server the notification e-mail goes through (``portal notifications send-digests``)."""

    host: str = Field("localhost", description="SMTP server host name; PORTAL_SMTP_HOST overrides it on a machine")
    port: int = Field(25, ge=1, le=65535, description="SMTP port (25, 587 with starttls, 465 with tls); "
                      "PORTAL_SMTP_PORT overrides it")
    security: str = Field("starttls", pattern=r"^(starttls|tls|none)$", description=(
        "starttls (STARTTLS required), tls (TLS from the start) or none (a relay on this machine only)"))
    username: str | None = Field(None, description="SMTP user name (not a secret)")
    password_env: EnvName | None = Field(None, description="Environment variable holding the SMTP password")
    timeout_seconds: float = Field(20, gt=0, le=120, description="Longest wait for the server per step")


class NotificationsConfig(_Strict):
    """The e-mail a provider may ask for when their worklist has news (never patient data)."""

    sender: str = Field(description="From address, e.g. 'Zorgverlenersportaal ZGT <noreply@zgt.nl>'")
    portal_url: str | None = Field(None, pattern=r"^https?://[^/?#]+/?$", description=(
        "The portal's address the e-mail links to (default: https:// and the first hostname)"))
    smtp: SmtpConfig = SmtpConfig()
    attempts: int = Field(4, ge=1, le=10, description="Tries per e-mail in one run before it is recorded as failed")
    backoff_seconds: float = Field(5, ge=0, le=300, description="Wait before the second try; doubled for each next")


class TenantConfig(_Strict):
    """One hospital. Loaded from ``tenants/<id>/tenant.yaml``; the folder name must equal ``id``."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]{1,30}$")
    display_name: str = Field(description="Full name, e.g. 'Ziekenhuisgroep Twente'")
    short_name: str = Field(description="Short name, e.g. 'ZGT'")
    hostnames: tuple[str, ...] = Field(min_length=1)
    theme: str = Field(description="Folder name under themes/")
    branding: Branding
    helpdesk: Helpdesk
    uzi_support: UziSupport = UziSupport()
    menus: tuple[str, ...] = Field(description=f"Enabled menu items, from {', '.join(MENU_ITEMS)}")
    connector: ConnectorConfig
    auth: AuthConfig = AuthConfig()
    access: AccessConfig = AccessConfig()
    sessions: SessionConfig = SessionConfig()
    audit: AuditConfig = AuditConfig()
    rate_limits: RateLimitConfig = RateLimitConfig()
    launch: LaunchConfig = LaunchConfig()
    dezi: DeziConfig = DeziConfig()
    backoffice: BackofficeConfig = BackofficeConfig()
    notifications: NotificationsConfig | None = Field(None, description=(
        "The worklist's notification e-mail (none: providers cannot ask for it)"))
    secret_key_env: EnvName | None = Field(
        None, description="Environment variable with this tenant's session secret (required in production)")
    timezone: str = Field("Europe/Amsterdam", description="The hospital's time zone (IANA name): every 'today' and "
                          "every time shown is read in it, whatever zone the server runs in")

    # Set by the loader, not by YAML.
    folder: str = Field("", exclude=True)

    @field_validator("hostnames")
    @classmethod
    def _hostnames(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        lowered = tuple(h.lower() for h in value)
        for host in lowered:
            if not _HOSTNAME.match(host):
                raise ValueError(f"{host!r} is not a valid hostname")
        if len(set(lowered)) != len(lowered):
            raise ValueError("a hostname is listed twice")
        return lowered

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        from ..clock import zone_named

        zone_named(value)  # ValueError names the unknown zone
        return value

    @field_validator("menus")
    @classmethod
    def _menus(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for item in value:
            if item not in MENU_ITEMS:
                raise ValueError(f"unknown menu item {item!r} (known: {', '.join(MENU_ITEMS)})")
        if len(set(value)) != len(value):
            raise ValueError("a menu item is listed twice")
        return tuple(i for i in MENU_ITEMS if i in value)

    def menu_enabled(self, item: str) -> bool:
        return item in self.menus
