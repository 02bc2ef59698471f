"""A fixture to shape one patient's access facts (the demo EPD: ``demo_epd`` in ../conftest.py)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.db import make_engine
from portal_connectors.demo.schema import patients
from support.access import PatientFacts


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
