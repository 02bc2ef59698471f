"""Functional fixtures on the demo EPD: each repository tenant's connector gets a small
generated demo EPD (in the test instance folder, once per run: ``demo_epd``).

- ``demo`` / ``gp``: the tenant's demo GP and patients in known relation to them (screens I);
- ``demo_patient`` / ``patient_client``: a rich patient (data of every kind) selected by its
  GP through the real access flow (screens II).

Access tests rewrite the first patient's consent and relations (``patient_facts``); screen
tests use other patients.
"""
from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select

from portal.access import guard
from portal.db import make_engine
from portal_connectors.demo.accounts import sync_accounts
from portal_connectors.demo.generator import generate
from portal_connectors.demo.schema import patients, relations
from support.access import OFFICE_ADDRESS, context_of_page
from support.screens import Demo, find_demo

DEMO_PATIENTS = 300


@dataclass(frozen=True)
class DemoPatient:
    """A patient with data of every kind (the generator's "rich" patients), consent and a GP."""

    patient_id: str
    gp_agb: str
    practice_agb: str | None
    #: Another rich patient, whose letters and images must never show for this one.
    other_patient_id: str


@pytest.fixture(scope="session")
def demo_epd(platform):
    """Generate a small demo EPD for every demo tenant, with its demo accounts (once per run)."""
    for app in platform.apps.values():
        connector = app.extensions["portal.connector"]
        engine = make_engine(connector.database_url)
        generate(engine, seed=connector.seed, patient_count=DEMO_PATIENTS)
        engine.dispose()
        connector.close()
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


@pytest.fixture(scope="session")
def demo_epds(demo_epd) -> dict[str, DemoPatient]:
    """A rich patient (data of every kind) with consent and a GP per tenant; never the
    first patient, whose access facts the access tests reshape."""
    chosen = {}
    for tenant_id, app in demo_epd.apps.items():
        connector = app.extensions["portal.connector"]
        engine = make_engine(connector.database_url)
        with engine.connect() as conn:
            rich = conn.execute(
                select(patients.c.id, relations.c.agb_code, relations.c.practice_agb)
                .join(relations, relations.c.patient_id == patients.c.id)
                .where(patients.c.id % 250 == 1, patients.c.id > 1, patients.c.consent.is_(True),
                       patients.c.death_date.is_(None),
                       relations.c.kind == "registered_gp", relations.c.valid_until.is_(None))
                .order_by(patients.c.id)).first()
            assert rich is not None, f"{tenant_id}: no rich demo patient with consent and a GP"
            other = conn.execute(select(patients.c.id).where(patients.c.id % 250 == 1, patients.c.id != rich[0])
                                 .order_by(patients.c.id)).scalar_one_or_none()
            assert other is not None, f"{tenant_id}: the demo EPD needs two rich patients"
        engine.dispose()
        chosen[tenant_id] = DemoPatient(str(rich[0]), rich[1], rich[2], str(other))
    return chosen


@pytest.fixture
def demo_patient(demo_epds, tenant_id) -> DemoPatient:
    return demo_epds[tenant_id]


@pytest.fixture
def connector(app, demo_epds):
    return app.extensions["portal.connector"]


@pytest.fixture
def patient_client(client, login_as, csrf_token, demo_patient):
    """``client`` logged in as the demo patient's GP, with that patient selected (through
    "Ga verder met deze patiënt", as a user would)."""
    login_as(client, {"agb_code": demo_patient.gp_agb, "practice_agb": demo_patient.practice_agb})
    with client.session_transaction(base_url=f"http://{client.host}") as session:
        session[guard.CANDIDATE] = demo_patient.patient_id
    page = client.get("/patient/bevestigen").get_data(as_text=True)
    response = client.post("/patient/bevestigen", data={"csrf_token": csrf_token(client, "/"),
                                                         "patient_context": context_of_page(page)})
    assert response.status_code == 302, response.get_data(as_text=True)[-400:]
    with client.session_transaction(base_url=f"http://{client.host}") as session:
        assert session[guard.SELECTED] == demo_patient.patient_id
    return client
