"""A small generated demo EPD per tenant, and the demo GP the screen tests log in as."""
from __future__ import annotations

import pytest

from portal.db import make_engine
from portal_connectors.demo.accounts import sync_accounts
from portal_connectors.demo.generator import generate
from support.access import OFFICE_ADDRESS
from support.screens import Demo, find_demo

DEMO_PATIENTS = 150


@pytest.fixture(scope="session")
def demo_epd(platform):
    """Generate a 150-patient demo EPD for every demo tenant (once per test run)."""
    for app in platform.apps.values():
        connector = app.extensions["portal.connector"]
        engine = make_engine(connector.database_url)
        generate(engine, seed=connector.seed, patient_count=DEMO_PATIENTS)
        engine.dispose()
        with platform.database.session() as session:
            sync_accounts(connector, session)
    return platform


_demos: dict[str, Demo] = {}


@pytest.fixture
def demo(app, demo_epd) -> Demo:
    """The tenant's demo GP and patients in known relation to them (computed once per run)."""
    tenant_id = app.extensions["portal.tenant"].id
    if tenant_id not in _demos:
        _demos[tenant_id] = find_demo(app.extensions["portal.connector"], DEMO_PATIENTS)
    return _demos[tenant_id]


@pytest.fixture
def gp(client, login_as, demo):
    """``client`` logged in as the demo GP, from an ordinary practice address."""
    client.environ_base["REMOTE_ADDR"] = OFFICE_ADDRESS
    login_as(client, demo.account())
    return client
