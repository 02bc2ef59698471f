"""The demo EPD: deterministic, valid identifiers, drafts present, every search indexed."""
from __future__ import annotations

import hashlib
import os
import random
import subprocess
import sys
from datetime import date

import pytest
from sqlalchemy import create_engine, func, select, text
from stdnum.nl import bsn as nl_bsn
from stdnum.nl import postcode as nl_postcode

from portal.epd import models as m
from portal.epd.errors import EpdUnavailable
from portal_connectors.demo.cli import has_full_record, patient_lines
from portal_connectors.demo.connector import DemoConnector, DemoSettings
from portal_connectors.demo.generator import bsn_pool, generate
from portal_connectors.demo.schema import patients, providers, records
from portal_connectors.demo.testing import demo_database


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    with demo_database(tmp_path_factory.mktemp("demo"), patient_count=800) as url:
        engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
        connector = DemoConnector("test", DemoSettings(database_url=url), url, "Test")
        yield engine, connector
        connector.close()
        engine.dispose()


def _digest(url: str) -> str:
    engine = create_engine(url)
    digest = hashlib.sha256()
    with engine.connect() as conn:
        for table in (patients, providers, records):
            for row in conn.execute(select(table).order_by(table.c.id)):
                digest.update(repr(tuple(row)).encode())
    engine.dispose()
    return digest.hexdigest()


def test_generation_is_deterministic_per_seed(tmp_path):
    urls = {}
    for name, seed in (("a", 11), ("b", 11), ("c", 12)):
        urls[name] = f"sqlite:///{tmp_path / name}.sqlite"
        engine = create_engine(urls[name])
        generate(engine, seed=seed, patient_count=300)
        engine.dispose()
    assert _digest(urls["a"]) == _digest(urls["b"])
    assert _digest(urls["a"]) != _digest(urls["c"])


def test_bsn_pool_passes_the_eleven_test_and_starts_in_9999():
    pool = bsn_pool(500, random.Random(1))
    assert len(set(pool)) == 500
    assert all(nl_bsn.is_valid(b) and b.startswith("9999") for b in pool)
    large = bsn_pool(20_000, random.Random(1))
    assert len(set(large)) == 20_000 and all(nl_bsn.is_valid(b) and b.startswith("99") for b in large)


def test_identifiers_and_addresses_are_valid(demo):
    engine, _ = demo
    with engine.connect() as conn:
        rows = conn.execute(select(patients.c.bsn, patients.c.postcode, patients.c.patient_number)).all()
        people = conn.execute(select(providers.c.kind, providers.c.agb_code, providers.c.uzi_number)).all()
    assert len({r.patient_number for r in rows}) == len(rows)
    assert all(r.bsn is None or nl_bsn.is_valid(r.bsn) for r in rows)
    assert all(nl_postcode.is_valid(r.postcode) for r in rows)
    assert all(len(p.agb_code) == 8 and p.agb_code.isdigit() for p in people)
    doctors = [p for p in people if p.kind in ("gp", "elderly_care_physician")]
    assert [p.kind for p in doctors].count("elderly_care_physician") == 1
    assert all(len(p.uzi_number) == 9 and p.uzi_number.startswith("9000") for p in doctors)


def test_consent_for_most_and_drafts_present(demo):
    engine, _ = demo
    with engine.connect() as conn:
        flags = conn.execute(select(patients.c.consent)).scalars().all()
        drafts = conn.execute(select(func.count()).where(records.c.approved.is_(False))).scalar()
        kinds = conn.execute(select(func.count(func.distinct(records.c.kind)))).scalar()
    assert 0.75 < sum(flags) / len(flags) < 0.97
    assert drafts > 50
    assert kinds >= 29


def _plan(engine, statement) -> str:
    compiled = statement.compile(engine, compile_kwargs={"literal_binds": True})
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            return "\n".join(str(r[-1]) for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}"))
        # Small tables make PostgreSQL prefer a scan; forbid it to see whether an index fits.
        conn.exec_driver_sql("SET enable_seqscan = off")
        return "\n".join(r[0] for r in conn.exec_driver_sql(f"EXPLAIN {compiled}"))


@pytest.mark.parametrize("criteria", [
    m.SearchCriteria.by_patient_number("12345678"), m.SearchCriteria.by_bsn("999999096"),
    m.SearchCriteria.by_birth_name("berg", date(1955, 5, 5), m.Sex.MALE),
    m.SearchCriteria.by_partner_name("vries", date(1955, 5, 5), m.Sex.FEMALE),
    m.SearchCriteria.by_address("7513ER", 55)], ids=lambda c: c.kind.value)
def test_every_search_path_uses_an_index(demo, criteria):
    engine, connector = demo
    statement, values = connector.search_query(criteria)
    plan = _plan(engine, statement.params(values))
    if engine.dialect.name == "sqlite":
        assert "USING INDEX" in plan and "SCAN patients" not in plan, plan
    else:
        assert "Index" in plan and "Seq Scan" not in plan, plan


def test_missing_database_is_unavailable(tmp_path):
    url = f"sqlite:///{tmp_path / 'never-generated.sqlite'}"
    connector = DemoConnector("test", DemoSettings(), url, "Test")
    with pytest.raises(EpdUnavailable, match="database error"):
        connector.check_available()
    assert not (tmp_path / "never-generated.sqlite").exists()


def test_generate_and_accounts_commands(tmp_path):
    env = {**os.environ, "PORTAL_INSTANCE_DIR": str(tmp_path), "PORTAL_ENV": "testing",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'portal.sqlite'}"}

    def portal(*args):
        return subprocess.run([sys.executable, "-m", "portal", *args], capture_output=True, text=True, env=env,
                              timeout=300)

    assert portal("db", "upgrade").returncode == 0
    made = portal("demo", "generate", "--tenant", "mst", "--patients", "300")
    assert made.returncode == 0, made.stderr
    assert "300 patients" in made.stdout and (tmp_path / "demo-epd-mst.sqlite").exists()
    again = portal("demo", "generate", "--tenant", "mst", "--patients", "300", "--if-missing")
    assert again.returncode == 0 and "left as it is" in again.stdout
    listing = portal("demo", "accounts", "--tenant", "mst")
    assert listing.returncode == 0, listing.stderr
    assert "role 01.015" in listing.stdout and "role 01.047" in listing.stdout
    assert "patiëntnummer" in listing.stdout
    # Every account has a patient with a full record, marked, and what each search needs.
    blocks = listing.stdout.split(" — UZI ")[1:]
    assert blocks and all("\n  * patiëntnummer" in block for block in blocks)
    assert "partnernaam" in listing.stdout and "postcode en huisnummer" in listing.stdout
    assert "Demopassen" in listing.stdout
    engine = create_engine(env["DATABASE_URL"])
    with engine.connect() as conn:
        roles = dict(conn.execute(
            text("SELECT role, count(*) FROM accounts WHERE tenant_id = 'mst' GROUP BY role")).all())
    engine.dispose()
    assert roles["01.047"] == 1 and roles["01.015"] >= 12
    wrong = portal("demo", "generate", "--tenant", "nope")
    assert wrong.returncode != 0 and "unknown tenant 'nope'" in wrong.stderr


def test_connector_runtime_imports_no_flask():
    code = ("import sys, portal_connectors.demo, portal_connectors.demo.generator; "
            "print('flask' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "False", result.stderr


def test_account_lines_show_partner_name_and_address_and_mark_full_records(demo):
    engine, connector = demo
    with engine.connect() as conn:
        agb = conn.execute(select(providers.c.agb_code).where(providers.c.kind == "gp")).scalars().first()
    lines = patient_lines(connector, agb, 4)
    assert lines and lines[0].startswith("* ")
    full = connector.patients_of(agb, 12)
    first = next(p for p in full if p.patient_number in lines[0])
    assert has_full_record(connector, first.patient_id)
    address = connector.get_patient(first.patient_id).address
    assert f"postcode en huisnummer {address.postcode_display} {address.house_number}" in lines[0]
    assert all("partnernaam " in line for line in lines)
