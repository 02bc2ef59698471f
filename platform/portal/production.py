"""What ``PORTAL_ENV=production`` refuses to start with, per tenant.

``production_problems(tenant, settings)`` lists every problem of one tenant as an English
sentence naming the tenant, the setting and what to do; ``check_production`` raises one
``SettingsError`` listing the problems of every tenant, so hospital IT sees them all at
once. ``create_platform`` runs it before any app is built, and ``portal tenants check``
runs it with PORTAL_ENV=production. Refused:

- a demo setting: ``auth.demo_login``, or the demo EPD as connector (synthetic patients a
  GP could take for real ones) unless the deployment says it is a rehearsal on synthetic
  data (``PORTAL_ALLOW_DEMO_EPD=1``: tests/production and ``make bench``);
- UZI-pas trust without revocation data: no trusted CA at all, or a trusted CA certificate
  without a readable CRL it signed among ``auth.crl_files`` (run ``portal auth
  refresh-crls`` before the first start). A CRL past its next update is only logged: a
  running portal already refuses every card of that CA until the CRL is fresh;
- a secret shorter than 32 bytes of entropy (``portal.secrets_policy``): the session key
  (``secret_key_env``, required) and the inzagelog API token (``audit.api_token_env``, when
  its variable is set);
- networks that hold every address, as huisartsenposten or as proxies, and loopback as a
  huisartsenpost (the proxy on the same machine would make every request one from a HAP).
"""
from __future__ import annotations

import ipaddress
import logging
import os
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from .secrets_policy import secret_problem
from .settings import Settings, SettingsError
from .tenants import TenantConfig

log = logging.getLogger(__name__)

DEMO_CONNECTOR = "demo"
_LOOPBACK = (ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128"))


def check_production(tenants: Iterable[TenantConfig], settings: Settings,
                     environ: Mapping[str, str] | None = None) -> None:
    """Raise ``SettingsError`` listing every tenant's problems; nothing when all is well."""
    problems = [p for tenant in tenants for p in production_problems(tenant, settings, environ)]
    if problems:
        raise SettingsError("PORTAL_ENV=production refuses to start:\n" + "\n".join(f"  {p}" for p in problems))


def production_problems(tenant: TenantConfig, settings: Settings,
                        environ: Mapping[str, str] | None = None) -> list[str]:
    """Every reason ``tenant`` may not run in production, each naming tenant and setting."""
    environ = os.environ if environ is None else environ
    where = f"tenant '{tenant.id}' ({Path(tenant.folder) / 'tenant.yaml'})"
    found = [*_demo_settings(tenant, settings), *_trust(tenant), *_secrets(tenant, environ), *_networks(tenant),
             *_launch_addresses(tenant)]
    return [f"{where}: {problem}" for problem in found]


def _demo_settings(tenant: TenantConfig, settings: Settings) -> list[str]:
    problems = []
    if tenant.auth.demo_login:
        problems.append("auth.demo_login is true: demo cards would let anyone log in as any account; "
                        "set it to false (demo settings belong in tenant.development.yaml)")
    if tenant.connector.name == DEMO_CONNECTOR and not settings.allow_demo_epd:
        problems.append("connector.name is 'demo': the demo EPD holds synthetic patients, which a GP could take "
                        "for real ones; name the hospital's EPD connector (e.g. fhir). Only a rehearsal of the "
                        "production set-up on synthetic data sets PORTAL_ALLOW_DEMO_EPD=1")
    return problems


def _trust(tenant: TenantConfig) -> list[str]:
    """Every trusted CA certificate needs a CRL it signed, read from ``auth.crl_files``."""
    from .auth.trust import load_certificates, load_crl

    auth = tenant.auth
    if not auth.trusted_ca_files:
        return ["auth.trusted_ca_files is empty: no UZI-pas could log in; put the UZI register's CA certificates "
                "in the tenant folder, list them there and list the CRL of each in auth.crl_files"]
    folder = Path(tenant.folder)
    problems, crls = [], []
    for name in auth.crl_files:
        path = folder / name
        try:
            crls.append((name, load_crl(path.read_bytes())))
        except FileNotFoundError:
            problems.append(f"auth.crl_files: '{name}' does not exist yet: run 'portal auth refresh-crls' "
                            "(it fetches auth.crl_urls) before starting, and daily after that")
        except (OSError, ValueError) as exc:
            problems.append(f"auth.crl_files: '{name}' is not a readable CRL ({exc}): run 'portal auth refresh-crls'")
    now = datetime.now(timezone.utc)
    for ca_name in auth.trusted_ca_files:
        for ca in load_certificates(folder / ca_name):  # the loader made sure the file exists
            issued = [(name, crl) for name, crl in crls if _signed_by(crl, ca)]
            if not issued:
                problems.append(
                    f"auth.crl_files: the trusted CA '{ca.subject.rfc4514_string()}' in {ca_name} has no CRL: "
                    "without one a revoked card would still log in; list the CRL this CA publishes in "
                    "auth.crl_files (its address in auth.crl_urls) and run 'portal auth refresh-crls'")
            elif all(_stale(crl, now) for _, crl in issued):
                log.warning("tenant '%s': the CRL of '%s' (%s) is past its next update: cards of this CA are "
                            "refused until 'portal auth refresh-crls' fetches a fresh one", tenant.id,
                            ca.subject.rfc4514_string(), ", ".join(name for name, _ in issued))
    return problems


def _signed_by(crl: x509.CertificateRevocationList, ca: x509.Certificate) -> bool:
    key = ca.public_key()
    if not isinstance(key, (rsa.RSAPublicKey, ec.EllipticCurvePublicKey)):
        return False  # UZI CAs sign with RSA; a key of another kind signed no CRL we read
    return crl.issuer == ca.subject and crl.is_signature_valid(key)


def _stale(crl: x509.CertificateRevocationList, now: datetime) -> bool:
    return crl.next_update_utc is None or crl.next_update_utc < now


def _secrets(tenant: TenantConfig, environ: Mapping[str, str]) -> list[str]:
    problems = []
    if not tenant.secret_key_env:
        problems.append("secret_key_env is not set: name the environment variable that holds this tenant's "
                        "session key (e.g. PORTAL_<ID>_SECRET_KEY) and put a random value in it")
    else:
        problem = secret_problem(environ.get(tenant.secret_key_env))
        if problem:
            problems.append(f"secret_key_env: {tenant.secret_key_env} {problem}")
    token_env = tenant.audit.api_token_env
    if token_env and environ.get(token_env):  # unset: the inzagelog API is off (404)
        problem = secret_problem(environ[token_env])
        if problem:
            problems.append(f"audit.api_token_env: {token_env} {problem}")
    return problems


def _networks(tenant: TenantConfig) -> list[str]:
    problems = []
    for entry in tenant.access.hap_ip_ranges:
        network = ipaddress.ip_network(entry, strict=False)
        if network.prefixlen == 0:
            problems.append(f"access.hap_ip_ranges: {entry} holds every address, so every GP anywhere could use "
                            "the noodprocedure; list the huisartsenposten's own networks")
        elif any(network.version == loopback.version and network.overlaps(loopback) for loopback in _LOOPBACK):
            problems.append(f"access.hap_ip_ranges: {entry} holds loopback addresses: every request the proxy on "
                            "this machine passes on could count as one from a huisartsenpost; remove it")
    for entry in tenant.auth.trusted_proxies:
        if entry != "unix" and ipaddress.ip_network(entry, strict=False).prefixlen == 0:
            problems.append(f"auth.trusted_proxies: {entry} holds every address, so anyone could forge the client "
                            "certificate and address headers; list the proxy's own address or 'unix'")
    return problems


def _launch_addresses(tenant: TenantConfig) -> list[str]:
    """The keys of a HIS and a SMART EHR decide who is opened for which GP: fetched over plain
    http they could be swapped on the way, so production takes only https addresses."""
    problems = []
    for issuer in tenant.launch.signed:
        if issuer.jwks_url is not None and not issuer.jwks_url.startswith("https://"):
            problems.append(f"launch.signed '{issuer.name}': jwks_url {issuer.jwks_url} is not https: its keys "
                            "could be replaced on the way; give the https address (or a jwks_file)")
    for ehr in tenant.launch.smart:
        if not ehr.issuer.startswith("https://"):
            problems.append(f"launch.smart '{ehr.name}': issuer {ehr.issuer} is not https: its discovery, tokens "
                            "and patient could be replaced on the way; give its https FHIR base URL")
    return problems
