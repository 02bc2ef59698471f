"""Functional fixtures on the demo EPD: each repository tenant's connector gets a small
generated demo EPD (in the test instance folder), and ``patient_client`` is a logged-in GP
of that EPD with one of their patients selected through the real access flow.

``add_record`` writes an extra approved record into a tenant's demo EPD (real connector,
real database), for data the generator leaves to chance: results exactly at a reference
limit, results just inside and outside the graph's 12 months, an infection risk.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select

from portal.access import guard
from portal_connectors.demo.generator import generate
from portal_connectors.demo.schema import meta, patients, records, relations

DEMO_PATIENTS = 300


@dataclass(frozen=True)
class DemoPatient:
    """A patient with data of every kind (the generator's "rich" patients), consent and a GP."""

    patient_id: str
    gp_agb: str
    practice_agb: str | None
    #: Another rich patient, whose letters and images must never show for this one.
    other_patient_id: str


def _sqlite_path(url: str) -> Path:
    return Path(url.split(":///", 1)[1])


@pytest.fixture(scope="session")
def demo_epds(platform) -> dict[str, DemoPatient]:
    """Generates every demo tenant's EPD once per run; returns a rich patient per tenant."""
    chosen = {}
    for tenant_id, app in platform.apps.items():
        connector = app.extensions["portal.connector"]
        if not _sqlite_path(connector.database_url).exists():
            engine = create_engine(connector.database_url)
            generate(engine, seed=connector.seed, patient_count=DEMO_PATIENTS)
            engine.dispose()
        connector.dispose()
        engine = create_engine(connector.database_url)
        with engine.connect() as conn:
            rich = conn.execute(
                select(patients.c.id, relations.c.agb_code, relations.c.practice_agb)
                .join(relations, relations.c.patient_id == patients.c.id)
                .where(patients.c.id % 250 == 1, patients.c.consent.is_(True), patients.c.death_date.is_(None),
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
    token = csrf_token(client, "/")
    response = client.post("/patient/bevestigen", data={"csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)[-400:]
    with client.session_transaction(base_url=f"http://{client.host}") as session:
        assert session[guard.SELECTED] == demo_patient.patient_id
    return client


def add_record(connector, patient_id: str, kind: str, payload: dict, moment: datetime) -> str:
    """Store an approved record of ``kind`` for the patient, its dates given in real time
    (the demo EPD stores them on its anchor's time line); returns the record id."""
    engine = create_engine(connector.database_url)
    with engine.begin() as conn:
        anchor = date.fromisoformat(conn.execute(select(meta.c.value).where(meta.c.key == "anchor")).scalar_one())
        shift = date.today() - anchor

        def stored(value):
            if isinstance(value, datetime):
                return (value - shift).isoformat(timespec="minutes")
            if isinstance(value, date):
                return (value - shift).isoformat()
            return value

        body = {key: stored(value) for key, value in payload.items()}
        new_id = conn.execute(records.insert().values(
            patient_id=int(patient_id), kind=kind, approved=True, starts_at=stored(moment), ends_at=None,
            payload=json.dumps(body, ensure_ascii=False))).inserted_primary_key[0]
    engine.dispose()
    return str(new_id)


def lab_payload(test: str, value: float, low: float | None, high: float | None, sampled_at: datetime,
                ordered_by: str = "hospital") -> dict:
    return {"test": test, "group": "Klinische chemie", "value": f"{value}", "numeric_value": value, "unit": "mmol/l",
            "reference_low": low, "reference_high": high, "reference_text": f"{low} - {high}", "sampled_at": sampled_at,
            "reported_at": sampled_at, "ordered_by": ordered_by, "code": None}
