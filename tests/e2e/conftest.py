"""Browser tests: both portals served on loopback, driven by the system's Chromium.

Two servers share one private database and one small demo EPD per tenant, each serving a
copy of the repository's tenants:
- ``portal.office``: the tenants as they are (a GP at their practice);
- ``portal.hap``: with ``access.hap_ip_ranges: [127.0.0.0/8]``, so the browser on loopback
  is at a huisartsenpost and the noodprocedure applies.
Both raise the login and search rate limits (when the tenant schema has them): the suite logs
in dozens of times a minute from one address, which the limits rightly refuse in real life.
Every test gets a fresh browser context (no cookies of another test). Without Chromium or
Playwright every test here skips, saying why.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from sqlalchemy import update

from portal import migrations
from portal.db import make_engine
from portal.platform import Platform, create_platform
from portal.settings import Settings
from portal.tenants import TenantConfig
from support.browser import (
    AXE_SCRIPT,
    CHROMIUM,
    CHROMIUM_ARGS,
    REPO_ROOT,
    VIEWPORT,
    PortalServer,
    axe_unavailable,
    browser_unavailable,
    copy_tenants,
    recording_page,
)
from support.database import private_database
from support.demo_case import DemoCase, find_case

DEMO_PATIENTS = 150
TENANT_IDS = ("zgt", "mst")


@dataclass
class Portal:
    office: PortalServer
    hap: PortalServer
    platform: Platform
    cases: dict[str, DemoCase] = field(default_factory=dict)

    def age_sessions(self, tenant_id: str, minutes: int) -> int:
        """Move every session of ``tenant_id`` ``minutes`` into the past, as if the browser had
        been idle that long (last activity and expiry as the server computed them)."""
        from datetime import datetime, timedelta, timezone

        from portal.auth.models import SessionRecord

        idle = timedelta(minutes=self.platform.tenants[tenant_id].sessions.idle_timeout_minutes)
        then = datetime.now(timezone.utc) - timedelta(minutes=minutes)
        table = SessionRecord.__table__
        with self.platform.database.engine.begin() as conn:
            return conn.execute(update(table).where(table.c.tenant_id == tenant_id)
                                .values(last_seen_at=then, expires_at=then + idle)).rowcount


def _settings(instance, database_url, tenants_dir) -> Settings:
    return Settings.from_env(environment="testing", database_url=database_url, instance_dir=instance,
                             tenants_dir=tenants_dir, themes_dir=REPO_ROOT / "themes")


def _generous_limits() -> dict[str, dict]:
    fields = TenantConfig.model_fields
    if "rate_limits" not in fields:
        return {}
    many = {"count": 100_000, "seconds": 60}
    return {"rate_limits": {name: many for name in fields["rate_limits"].annotation.model_fields}}


def _load_demo(platform: Platform) -> dict[str, DemoCase]:
    from portal_connectors.demo.accounts import demo_accounts, sync_accounts
    from portal_connectors.demo.generator import generate

    cases = {}
    for tenant_id, app in platform.apps.items():
        connector = app.extensions["portal.connector"]
        engine = make_engine(connector.database_url)  # connector.engine only reads
        generate(engine, seed=connector.seed, patient_count=DEMO_PATIENTS)
        engine.dispose()
        with platform.database.session() as session:
            sync_accounts(connector, session)
        with platform.database.session() as session:
            accounts = demo_accounts(connector, session)
            cases[tenant_id] = find_case(connector, accounts)
    return cases


@pytest.fixture(scope="session")
def portal(tmp_path_factory) -> Iterator[Portal]:
    """Both portals on loopback (office and HAP), demo data loaded; skips without a browser."""
    reason = browser_unavailable()
    if reason:
        pytest.skip(reason)
    root = tmp_path_factory.mktemp("e2e")
    with private_database(root) as database_url:
        instance = root / "instance"
        office_tenants = copy_tenants(root / "tenants-office", _generous_limits())
        office = create_platform(_settings(instance, database_url, office_tenants))
        migrations.upgrade(office.database)
        hap_tenants = copy_tenants(root / "tenants-hap",
                                   {**_generous_limits(), "access": {"hap_ip_ranges": ["127.0.0.0/8"]}})
        hap = create_platform(_settings(instance, database_url, hap_tenants))
        cases = _load_demo(office)
        with PortalServer(office) as office_server, PortalServer(hap) as hap_server:
            yield Portal(office=office_server, hap=hap_server, platform=office, cases=cases)
        office.close()
        hap.close()


@pytest.fixture(scope="session")
def browser(portal, playwright_driver):
    browser = playwright_driver.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def context(browser):
    """A fresh browser context with axe-core preloaded (when installed).

    axe-core is added as an init script (the DevTools protocol injects it into every new
    document), which a strict Content-Security-Policy does not block: no ``bypass_csp``."""
    context = browser.new_context(viewport=VIEWPORT, locale="nl-NL", timezone_id="Europe/Amsterdam")
    context.set_default_timeout(10_000)
    if axe_unavailable() is None:
        context.add_init_script(path=str(AXE_SCRIPT))
    yield context
    context.close()


@pytest.fixture
def page(context):
    """A page recording console errors, uncaught exceptions and failed requests in
    ``page.problems`` (``support.browser.recording_page``)."""
    return recording_page(context)


@pytest.fixture(params=TENANT_IDS)
def tenant_id(request) -> str:
    return request.param


@pytest.fixture
def case(portal, tenant_id) -> DemoCase:
    return portal.cases[tenant_id]
