"""The demo connector's fixture for the contract suite (entry point ``portal.connector_tests``).

Generates a small demo EPD (SQLite in ``tmp_path``; on a PostgreSQL test run — DATABASE_URL
pointing at PostgreSQL — in a database of its own that is dropped afterwards) and picks the
known patients from it.
"""
from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from portal.epd.models import Sex
from portal.epd.testing import ContractFixture, KnownPatient

from .connector import DemoConnector, DemoSettings
from .generator import DRAFT_MARKER, generate
from .schema import patients, records, relations

PATIENTS = 600
SEED = 4242


@contextmanager
def demo_database(tmp_path: Path, patient_count: int = PATIENTS, seed: int = SEED) -> Iterator[str]:
    """A freshly generated demo EPD; yields its URL."""
    configured = os.environ.get("DATABASE_URL", "")
    if not configured.startswith("postgresql"):
        url = f"sqlite:///{tmp_path / 'demo-epd.sqlite'}"
        engine = create_engine(url)
        generate(engine, seed=seed, patient_count=patient_count)
        engine.dispose()
        yield url
        return
    server = make_url(configured.replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"demo_epd_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = server.set(database=name).render_as_string(hide_password=False)
    try:
        engine = create_engine(url)
        generate(engine, seed=seed, patient_count=patient_count)
        engine.dispose()
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"), {"n": name})
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def _known(conn, where) -> KnownPatient:
    row = conn.execute(select(patients).where(*where).order_by(patients.c.id).limit(1)).mappings().one()
    agbs = frozenset(a for (a,) in conn.execute(select(relations.c.agb_code).where(
        relations.c.patient_id == row["id"], relations.c.valid_until.is_(None))) if a)
    return KnownPatient(
        patient_id=str(row["id"]), patient_number=row["patient_number"], bsn=row["bsn"], birth_name=row["birth_name"],
        birth_date=date.fromisoformat(row["birth_date"]), sex=Sex(row["sex"]), postcode=row["postcode"],
        house_number=row["house_number"], consent=bool(row["consent"]), partner_name=row["partner_name"],
        relation_agb_codes=agbs)


@contextmanager
def contract_fixture(tmp_path: Path) -> Iterator[ContractFixture]:
    with demo_database(tmp_path) as url:
        connector = DemoConnector("test", DemoSettings(seed=SEED, database_url=url), url, "Testziekenhuis")
        engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
        c = patients.c
        with engine.connect() as conn:
            # Prefer an accented name, so the suite's accent-insensitive search means something.
            accented = [c.consent.is_(True), c.partner_name.is_not(None), c.bsn.is_not(None), c.death_date.is_(None),
                        c.birth_name.in_(["Çelik", "Yılmaz", "Öztürk", "Müller", "Lefèvre", "Ünal", "Brügemann"])]
            try:
                patient = _known(conn, accented)
            except Exception:  # no accented name in this sample: any consenting patient will do
                patient = _known(conn, accented[:4])
            without = _known(conn, [c.consent.is_(False), c.bsn.is_not(None)])
            # The GP of a patient discharged with a discharge letter (worklist.py's first role).
            discharged = conn.execute(select(records.c.patient_id).where(
                records.c.kind == "letter", records.c.payload.like('%"admission"%')).limit(1)).scalar_one()
            worklist_agbs = frozenset(a for (a,) in conn.execute(select(relations.c.agb_code).where(
                relations.c.patient_id == discharged, relations.c.kind == "registered_gp")) if a)
        engine.dispose()
        try:
            yield ContractFixture(
                connector=connector, patient=patient, patient_without_consent=without, unknown_patient_id="99999999",
                rich_patient_id="1", draft_markers=(DRAFT_MARKER,),
                other_patient_ids=("251", "501", patient.patient_id), worklist_agb_codes=worklist_agbs)
        finally:
            connector.close()
