"""Shared fixtures: a migrated database (SQLite by default, PostgreSQL when DATABASE_URL
points at one), the platform with every tenant, and per-tenant apps and clients.

On PostgreSQL each test run creates its own database (``portal_test_<random>``) on the
server DATABASE_URL names and drops it afterwards, so runs never see each other's rows.
"""
from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from portal import migrations
from portal.models import metadata
from portal.platform import Platform, create_platform
from portal.settings import Settings
from support.database import private_database

REPO_ROOT = Path(__file__).resolve().parents[1]
TENANT_IDS = ("zgt", "mst")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> Iterator[str]:
    """A fresh, empty database for this test run."""
    with private_database(tmp_path_factory.mktemp("db")) as url:
        yield url


@pytest.fixture(scope="session")
def settings(database_url, tmp_path_factory) -> Settings:
    return Settings.from_env(
        environment="testing",
        database_url=database_url,
        instance_dir=tmp_path_factory.mktemp("instance"),
        tenants_dir=REPO_ROOT / "tenants",
        themes_dir=REPO_ROOT / "themes",
    )


@pytest.fixture(scope="session")
def platform(settings) -> Iterator[Platform]:
    """Every tenant of the repository, on a migrated test database."""
    platform = create_platform(settings)
    migrations.upgrade(platform.database)
    yield platform
    platform.database.dispose()


@pytest.fixture
def db_session(platform):
    """A session on the test database; rows of ordinary tables are removed after the test.

    Tables marked ``info={"append_only": True}`` (the audit log) are never deleted from:
    tests on them use their own tenant ids or compare against what was there before.
    """
    with platform.database.session() as session:
        yield session
    with platform.database.engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            if not table.info.get("append_only"):
                conn.execute(table.delete())


@pytest.fixture(params=TENANT_IDS)
def tenant_id(request) -> str:
    """Parametrizes a test over every repository tenant."""
    return request.param


@pytest.fixture
def app(platform, tenant_id):
    return platform.apps[tenant_id]


class TenantClient(FlaskClient):
    """A test client that addresses its tenant by the development hostname."""

    host = "localhost"

    def open(self, *args, **kwargs):
        if args and isinstance(args[0], str):
            kwargs.setdefault("base_url", f"http://{self.host}")
        kwargs.setdefault("buffered", True)  # closes file responses (filterwarnings=error)
        return super().open(*args, **kwargs)

    def session_transaction(self, *args, **kwargs):
        # Same host as the requests, or the session cookie is not sent and a new session opens.
        kwargs.setdefault("base_url", f"http://{self.host}")
        return super().session_transaction(*args, **kwargs)


@pytest.fixture
def client(app):
    """A test client of one tenant app."""
    tenant = app.extensions["portal.tenant"]
    client = TenantClient(app, app.response_class, use_cookies=True)
    client.host = next(h for h in tenant.hostnames if h.endswith(".localhost"))
    return client


# --- Accounts and login (portal.auth) -------------------------------------------------

_uzi_numbers = iter(range(900100000, 900999999))


@pytest.fixture
def make_account(platform, db_session):
    """``make_account(**fields)`` -> a saved ``Account`` (detached); fields default to an
    active GP (huisarts 01.015) of tenant zgt with fresh UZI and AGB numbers."""
    from portal.accounts.models import Account

    def make(**fields):
        number = next(_uzi_numbers)
        values = dict(tenant_id="zgt", uzi_number=str(number), agb_code=f"01{number % 1000000:06d}",
                      name=f"Dr. T. Test {number}", role="01.015", practice_name="Huisartsenpraktijk Test",
                      practice_agb=f"01{(number + 1) % 1000000:06d}", active=True)
        values.update(fields)
        with platform.database.session() as session:
            account = Account(**values)
            session.add(account)
        return account

    return make


def csrf_token_of(client, path: str = "/login") -> str:
    """The CSRF token a page of ``client``'s session carries (meta tag or hidden field)."""
    import re

    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf[-_]token" (?:content|value)="([^"]+)"', html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


@pytest.fixture
def csrf_token():
    """``csrf_token(client, path="/login")``: the CSRF token a page carries in the client's session."""
    return csrf_token_of


@pytest.fixture
def login_as(make_account):
    """``login_as(client, account_or_fields)`` logs ``client`` in through the real session
    mechanism (the tenant's demo card signs a challenge; every login check runs) and
    returns the account. A dict creates the account first, for the client's tenant."""

    def login(client, account_or_fields=None):
        tenant = client.application.extensions["portal.tenant"]
        account = account_or_fields
        if account is None or isinstance(account, dict):
            account = make_account(**{"tenant_id": tenant.id, **(account or {})})
        token = csrf_token_of(client)
        response = client.post("/login/demo", data={"account_id": account.id, "csrf_token": token})
        assert response.status_code == 302, response.get_data(as_text=True)[-500:]
        return account

    return login


@pytest.fixture(scope="session")
def uzi_authority():
    """A test CA (root -> issuing UZI CA) issuing cards: ``uzi_authority.issue(uzi, role, ...)``."""
    from portal.auth.cards import UziAuthority

    return UziAuthority.create(name="PYTEST")


@pytest.fixture(scope="session")
def card_key():
    """One RSA key for test cards (key generation is the slow part; tests may share it)."""
    from portal.auth.cards import new_key

    return new_key()


SOFTHSM_LIBRARY = "/usr/lib/softhsm/libsofthsm2.so"


@pytest.fixture(scope="session")
def softhsm(tmp_path_factory):
    """A private SoftHSM2 token directory; ``softhsm.add_card(label, pin, card)`` puts a
    card's key and certificate (plus its CA chain) on a new token. Skips without softhsm2."""
    import shutil
    import subprocess

    if not Path(SOFTHSM_LIBRARY).exists() or shutil.which("softhsm2-util") is None:
        pytest.skip("softhsm2 is not installed (Debian package softhsm2; scripts/install-system-deps.sh)")
    folder = tmp_path_factory.mktemp("softhsm")
    (folder / "tokens").mkdir()
    conf = folder / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {folder / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n")
    os.environ["SOFTHSM2_CONF"] = str(conf)  # read when the library initialises

    class SoftHsm:
        library = SOFTHSM_LIBRARY

        def add_card(self, label: str, pin: str, card) -> None:
            import pkcs11
            from cryptography.hazmat.primitives import serialization
            from pkcs11 import Attribute, CertificateType, ObjectClass

            subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", label, "--pin", pin,
                            "--so-pin", "so-" + pin], check=True, capture_output=True)
            lib = pkcs11.lib(SOFTHSM_LIBRARY)
            lib.reinitialize()  # see the token just created
            from pkcs11.util import biginteger

            numbers = card.key.private_numbers()
            with lib.get_token(token_label=label).open(rw=True, user_pin=pin) as session:
                session.create_object({
                    Attribute.CLASS: ObjectClass.PRIVATE_KEY, Attribute.KEY_TYPE: pkcs11.KeyType.RSA,
                    Attribute.ID: b"\x01", Attribute.LABEL: "Authenticiteit", Attribute.TOKEN: True,
                    Attribute.PRIVATE: True, Attribute.SENSITIVE: True, Attribute.SIGN: True,
                    Attribute.MODULUS: biginteger(numbers.public_numbers.n),
                    Attribute.PUBLIC_EXPONENT: biginteger(numbers.public_numbers.e),
                    Attribute.PRIVATE_EXPONENT: biginteger(numbers.d),
                    Attribute.PRIME_1: biginteger(numbers.p), Attribute.PRIME_2: biginteger(numbers.q),
                    Attribute.EXPONENT_1: biginteger(numbers.dmp1), Attribute.EXPONENT_2: biginteger(numbers.dmq1),
                    Attribute.COEFFICIENT: biginteger(numbers.iqmp)})
                for index, cert in enumerate([card.certificate, *card.chain]):
                    session.create_object({
                        Attribute.CLASS: ObjectClass.CERTIFICATE, Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
                        Attribute.ID: b"\x01" if index == 0 else bytes([0x10 + index]), Attribute.TOKEN: True,
                        Attribute.LABEL: "Authenticiteit" if index == 0 else f"CA {index}",
                        Attribute.SUBJECT: cert.subject.public_bytes(),
                        Attribute.VALUE: cert.public_bytes(serialization.Encoding.DER)})

    return SoftHsm()

@pytest.fixture(scope="session")
def fhir_server():
    """The test FHIR server (Medplum's FHIR router, in memory, on loopback), loaded with the
    Nictiz zib2020 examples and the portal's test patients (tests/data/fhir/). Skips, saying
    why, where Node.js or the server's npm packages are missing."""
    from portal_connectors.fhir.testing import shared_server

    return shared_server()


@pytest.fixture(scope="session")
def playwright_driver():
    """One Playwright driver for the whole run: the browser suites (tests/e2e and
    tests/production) each launch their own Chromium from it. Playwright's sync API allows
    one running driver per process, and session fixtures of both suites live until the end
    of the run."""
    from support.browser import browser_unavailable

    reason = browser_unavailable()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright
