"""The production deployment on loopback, once per run, driven by Chromium over HTTPS.

``stack`` starts what the README's production set-up describes:
- PostgreSQL: a database of its own on the server DATABASE_URL names, else on
  127.0.0.1:5432 (production refuses SQLite), migrated, with a small demo EPD for ZGT;
- gunicorn with config/gunicorn.conf.py and ``PORTAL_ENV=production`` (secrets in the
  environment), bound to a Unix socket and, for the spoofing test only, to a TCP port on
  loopback as a careless set-up would;
- nginx built from config/nginx/zorgverlenersportaal.conf: TLS with a test server certificate,
  client certificates against the tests' UZI CA (``ssl_verify_client optional``);
- ZGT trusting that CA and the socket (``auth.trusted_proxies: [unix]``), no demo login;
- ``portal-uzi-login serve`` with the GP's card on a SoftHSM2 token; it asks the PIN for every
  login in its window, which the tests read (its log) and type into (its stdin).

Skips, saying why, when nginx, Chromium (with Playwright), softhsm2 or PostgreSQL is missing.
"""
from __future__ import annotations

import os
import secrets
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from sqlalchemy import select

from portal import migrations
from portal.audit.checkpoints import new_key_pair
from portal.auth.cards import new_key, write_private
from portal.db import make_engine
from portal.platform import Platform, create_platform
from portal.settings import Settings
from support.browser import CHROMIUM, CHROMIUM_ARGS, VIEWPORT, browser_unavailable, copy_tenants, recording_page
from support.database import private_database
from support.demo_case import DemoCase, find_case
from support.production import (
    CARD_LABEL,
    CARD_PIN,
    GUNICORN,
    GUNICORN_CONF,
    HELPER,
    HOSPITAL,
    NGINX,
    REPO_ROOT,
    HelperWindow,
    LoopbackTransport,
    Processes,
    free_port,
    nginx_conf,
    port_open,
    postgres_server,
    postgres_unavailable,
    wait_until,
)
from support.tls import ClientCertificate, ServerCertificate, make_client_certificate, make_server_certificate

TENANT = "zgt"
HOST = "zgt.localhost"
#: A second name on the server certificate: the forger's page, same site as the portal.
FORGER_HOST = "forger.zgt.localhost"
DEMO_PATIENTS = 150
#: The caller of the inzagelog API, by its client certificate (mutual TLS at nginx).
API_CLIENT = "Patiëntenportaal ZGT"
#: Seconds the helper waits for a PIN (short: a test waits that long to see it give up).
PIN_TIMEOUT = 8

pytestmark = pytest.mark.production


@dataclass
class Stack:
    root: Path
    https_port: int
    tcp_port: int            # gunicorn's TCP bind on loopback (never the proxy)
    socket: Path             # gunicorn's Unix socket (nginx's upstream)
    tls: ServerCertificate
    card_cert: Path          # the card's authentication certificate (PEM) ...
    card_key: Path           # ... and its key in a file, for the TLS client login with httpx
    platform: Platform       # the same database, in-process, for checks
    case: DemoCase
    processes: Processes
    api_client: ClientCertificate | None = None  # the hospital's patient portal (mutual TLS)
    helper: HelperWindow | None = None   # portal-uzi-login serve, as the card holder sees it
    helper_url: str = ""                 # its loopback address, http://127.0.0.1:<port>

    @property
    def base_url(self) -> str:
        return f"https://{HOST}:{self.https_port}"

    def url(self, tenant_id: str = TENANT, path: str = "/") -> str:
        """As ``support.browser.PortalServer.url``, so ``support.flows`` can drive this stack."""
        assert tenant_id == TENANT
        return self.base_url + path

    def client(self, *, card: bool = False, certificate: ClientCertificate | None = None) -> httpx.Client:
        """An HTTPS client of the portal through nginx (holding the card when ``card``, or
        presenting ``certificate``, e.g. the patient portal's)."""
        import ssl

        context = ssl.create_default_context(cafile=str(self.tls.ca_file))
        if card:
            context.load_cert_chain(str(self.card_cert), str(self.card_key))
        if certificate is not None:
            context.load_cert_chain(str(certificate.cert_file), str(certificate.key_file))
        return httpx.Client(transport=LoopbackTransport(verify=context), base_url=self.base_url, timeout=20)

    def log(self, name: str) -> str:
        return self.processes.log(name)


def _unavailable() -> str | None:
    if NGINX is None:
        return "nginx is not installed (Debian package nginx; scripts/install-system-deps.sh)"
    if not GUNICORN.exists() or not HELPER.exists():
        return "gunicorn or portal-uzi-login is not installed in this virtualenv (pip install -e '.[test]')"
    return browser_unavailable() or postgres_unavailable(postgres_server())


def _tenants(root: Path, authority, helper_port: int, api_client: ClientCertificate) -> Path:
    """ZGT as a hospital runs it (tenants/zgt/tenant.yaml without the development overlay):
    the test UZI CA trusted with a CRL of each of its CAs, the Unix socket as the proxy, no
    demo login; rate limits raised for a suite that logs in from one address. Two things
    differ from a hospital: the small demo EPD stands in for its EPD (PORTAL_ALLOW_DEMO_EPD=1
    in the environment), and the portal answers to zgt.localhost."""
    many = {"count": 100_000, "seconds": 60}
    tenants = copy_tenants(root / "tenants", {
        "hostnames": [HOST],
        "connector": {"name": "demo", "settings": {"seed": 1001}},
        "auth": {"demo_login": False, "trusted_ca_files": ["uzi/ca.pem"],
                 "crl_files": ["uzi/issuing.crl", "uzi/root.crl"], "trusted_proxies": ["unix"],
                 "helper_port": helper_port},
        "rate_limits": {name: many for name in ("login_per_address", "login_per_card", "search_per_provider")},
        # The hospital's patient portal calls the inzagelog API with its client certificate.
        "audit": {"api_client_certificates": [{"name": API_CLIENT, "sha256": api_client.sha256}]},
    }, development=False)
    for other in tenants.iterdir():
        if other.is_dir() and other.name != TENANT:
            shutil.rmtree(other)  # one hospital is enough here
    uzi = tenants / TENANT / "uzi"
    uzi.mkdir()
    pem = serialization.Encoding.PEM
    (uzi / "ca.pem").write_bytes(authority.issuing.public_bytes(pem) + authority.root.public_bytes(pem))
    (uzi / "issuing.crl").write_bytes(authority.crl().public_bytes(pem))
    (uzi / "root.crl").write_bytes(authority.root_crl().public_bytes(pem))
    return tenants


def _crl_bundle(authority, path: Path) -> Path:
    """The CRLs nginx checks: it wants one for every CA of the chain (the root's too)."""
    pem = serialization.Encoding.PEM
    path.write_bytes(authority.crl().public_bytes(pem) + authority.root_crl().public_bytes(pem))
    return path


def _bundle(path: Path, *parts: Path) -> Path:
    """One PEM file of ``parts``: nginx's client CAs (the UZI CAs and the patient portal's CA)
    and their CRLs."""
    path.write_bytes(b"".join(part.read_bytes() for part in parts))
    return path


def _demo(platform: Platform) -> DemoCase:
    from portal_connectors.demo.accounts import demo_accounts, sync_accounts
    from portal_connectors.demo.generator import generate

    connector = platform.apps[TENANT].extensions["portal.connector"]
    engine = make_engine(connector.database_url)
    generate(engine, seed=connector.seed, patient_count=DEMO_PATIENTS)
    engine.dispose()
    with platform.database.session() as session:
        sync_accounts(connector, session)
    with platform.database.session() as session:
        return find_case(connector, demo_accounts(connector, session))


def _card(root: Path, platform: Platform, case: DemoCase, authority, softhsm) -> tuple[Path, Path]:
    """The GP's card: on a SoftHSM2 token for the helper, and as files for httpx."""
    from portal.accounts.models import Account

    with platform.database.session() as session:
        account = session.scalars(select(Account).where(Account.id == case.account_id)).one()
        card = authority.issue(account.uzi_number, role=account.role, agb_code=account.agb_code,
                               name=account.name, key=new_key())
    softhsm.add_card(CARD_LABEL, CARD_PIN, card)
    cert_file, key_file = root / "card.pem", root / "card.key"
    cert_file.write_text(card.certificate_pem + "".join(card.chain_pem))
    write_private(key_file, card.key)
    return cert_file, key_file


@pytest.fixture(scope="session")
def stack(tmp_path_factory, uzi_authority, softhsm) -> Iterator[Stack]:
    reason = _unavailable()
    if reason:
        pytest.skip(reason)
    root = tmp_path_factory.mktemp("production")
    https_port, http_port, tcp_port, helper_port = free_port(), free_port(), free_port(), free_port()
    api_client = make_client_certificate(root / "patient-portal", API_CLIENT)
    tenants = _tenants(root, uzi_authority, helper_port, api_client)
    instance = root / "instance"
    with private_database(root, server=postgres_server()) as database_url:
        settings = Settings.from_env(environment="testing", database_url=database_url, instance_dir=instance,
                                     tenants_dir=tenants, themes_dir=REPO_ROOT / "themes")
        platform = create_platform(settings)
        migrations.upgrade(platform.database)
        case = _demo(platform)
        card_cert, card_key = _card(root, platform, case, uzi_authority, softhsm)
        tls = make_server_certificate(root / "tls", [HOST, FORGER_HOST])
        socket_path = root / "run" / "portal.sock"
        socket_path.parent.mkdir()
        processes = Processes(root)
        try:
            env = _production_env(database_url, instance, tenants, socket_path, tcp_port)
            gunicorn = processes.start("gunicorn", [str(GUNICORN), "-c", str(GUNICORN_CONF), "portal.wsgi:application"],
                                       cwd=root, env=env)
            wait_until(lambda: socket_path.exists() and port_open(tcp_port), "gunicorn", gunicorn)
            conf = root / "nginx.conf"
            conf.write_text(nginx_conf(root, socket_path=socket_path, https_port=https_port, http_port=http_port,
                                       server_names=[HOST], certificate=tls.cert_file, key=tls.key_file,
                                       client_ca=_bundle(root / "client-cas.pem", tenants / TENANT / "uzi" / "ca.pem",
                                                         api_client.ca_file),
                                       crl=_bundle(root / "client-crls.pem", api_client.crl_file,
                                                   _crl_bundle(uzi_authority, root / "uzi-crls.pem"))))
            nginx = processes.start(
                "nginx", [NGINX, "-c", str(conf), "-p", str(root), "-e", str(root / "nginx-error.log")],
                stdout=subprocess.DEVNULL)
            stack = Stack(root, https_port, tcp_port, socket_path, tls, card_cert, card_key, platform, case, processes)
            with stack.client() as client:
                wait_until(lambda: client.get("/login").status_code == 200, "nginx in front of gunicorn", nginx)
            # The helper's window: its output in helper.log, the card holder's typing on its
            # stdin, kept open for every PIN the tests type (HelperWindow).
            helper = processes.start("helper", [
                str(HELPER), "serve", "--portal", f"{HOSPITAL}={stack.base_url}", "--port", str(helper_port),
                "--pin-timeout", str(PIN_TIMEOUT), "--module", softhsm.library, "--token", CARD_LABEL],
                stdin=subprocess.PIPE, env={**os.environ, "PYTHONUNBUFFERED": "1"})  # SOFTHSM2_CONF: softhsm fixture
            wait_until(lambda: port_open(helper_port), "portal-uzi-login serve", helper)
            stack.api_client = api_client
            stack.helper = HelperWindow(helper, root / "helper.log")
            stack.helper_url = f"http://127.0.0.1:{helper_port}"
            yield stack
        finally:
            processes.stop()
            platform.close()


def _production_env(database_url: str, instance: Path, tenants: Path, socket_path: Path, tcp_port: int) -> dict:
    env = {key: value for key, value in os.environ.items() if not key.startswith("PORTAL_")}
    env.update({
        "PORTAL_ENV": "production", "DATABASE_URL": database_url, "PORTAL_INSTANCE_DIR": str(instance),
        "PORTAL_TENANTS_DIR": str(tenants), "PORTAL_THEMES_DIR": str(REPO_ROOT / "themes"),
        # The socket nginx uses, and a TCP port on loopback that nginx never uses: anything
        # arriving there is some other process on this machine.
        "PORTAL_BIND": f"unix:{socket_path} 127.0.0.1:{tcp_port}",
        "PORTAL_WORKERS": "2", "PORTAL_THREADS": "4",
        "PORTAL_ZGT_SECRET_KEY": secrets.token_urlsafe(48),
        # The small demo EPD stands in for the hospital's (see _tenants).
        "PORTAL_ALLOW_DEMO_EPD": "1",
        # Production anchors the audit chains in signed checkpoints (portal.audit.checkpoints).
        "PORTAL_AUDIT_CHECKPOINTS": str(instance / "audit-checkpoints.log"),
        "PORTAL_AUDIT_SIGNING_KEY": new_key_pair()[0],
    })
    return env


@pytest.fixture(scope="session")
def browser(stack, playwright_driver):
    """Debian's Chromium, trusting the test server certificate by its public key only."""
    browser = playwright_driver.chromium.launch(executable_path=str(CHROMIUM), args=[
        *CHROMIUM_ARGS, f"--ignore-certificate-errors-spki-list={stack.tls.spki_sha256}"])
    yield browser
    browser.close()


@pytest.fixture
def context(browser):
    context = browser.new_context(viewport=VIEWPORT, locale="nl-NL", timezone_id="Europe/Amsterdam")
    context.set_default_timeout(15_000)
    yield context
    context.close()


@pytest.fixture
def page(context):
    """A page recording console errors, uncaught exceptions and failed requests in
    ``page.problems`` (``support.browser.recording_page``)."""
    return recording_page(context)
