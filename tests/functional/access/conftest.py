"""A small generated demo EPD per tenant, and a fixture to shape one patient's access facts."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.db import make_engine
from portal_connectors.demo.accounts import sync_accounts
from portal_connectors.demo.generator import generate
from portal_connectors.demo.schema import patients
from support.access import PatientFacts


@pytest.fixture(scope="session")
def demo_epd(platform):
    """Generate a 150-patient demo EPD for every demo tenant (once per test run)."""
    for app in platform.apps.values():
        connector = app.extensions["portal.connector"]
        engine = make_engine(connector.database_url)
        generate(engine, seed=connector.seed, patient_count=150)
        engine.dispose()
        with platform.database.session() as session:
            sync_accounts(connector, session)
    return platform


@pytest.fixture
def patient_facts(app, demo_epd):
    """Shape the access facts of the tenant's first demo patient."""
    connector = app.extensions["portal.connector"]
    engine = make_engine(connector.database_url)
    with engine.connect() as conn:
        patient_id = str(conn.execute(select(patients.c.id).order_by(patients.c.id).limit(1)).scalar())
    engine.dispose()
    facts = PatientFacts(connector, patient_id)
    yield facts
    facts.close()
