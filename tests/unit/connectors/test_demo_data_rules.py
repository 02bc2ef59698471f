"""The demo EPD reads as a hospital's: nothing reported after today, PostNL postcodes, one
current Behandelbeperking, house-number additions, and a full record for every demo account."""
from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from datetime import date, timedelta

import pytest
from sqlalchemy import create_engine, select
from stdnum.nl import postcode as nl_postcode

from portal.epd.contract import PATIENT_LIST_METHODS
from portal_connectors.demo.clinical import COMMON_LAB_TESTS, RESTRICTION_SUPERSEDED
from portal_connectors.demo.connector import DemoConnector, DemoSettings
from portal_connectors.demo.generator import ANCHOR
from portal_connectors.demo.schema import patients, providers, records
from portal_connectors.demo.testing import demo_database

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
#: Dates that may lie ahead: what is planned (appointments, operations, admissions, a
#: medication to start) and until when a referral holds.
MAY_BE_AHEAD = {"appointment": {"start", "end"}, "operation": {"planned_at"},
                "admission": {"admitted_at", "discharged_at"}, "medication": {"start"}, "referral": {"valid_until"}}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    with demo_database(tmp_path_factory.mktemp("demo-rules"), patient_count=1500) as url:
        engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
        connector = DemoConnector("test", DemoSettings(database_url=url), url, "Test")
        yield engine, connector
        connector.close()
        engine.dispose()


def _dates(value, key=""):
    """(key, date) of every ISO date or date-time text in a payload, at any depth."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _dates(v, k)
    elif isinstance(value, list):
        for v in value:
            yield from _dates(v, key)
    elif isinstance(value, str) and _DATE.fullmatch(value[:10]):
        yield key, date.fromisoformat(value[:10])


def test_nothing_is_dated_after_the_anchor_but_what_is_planned(demo):
    engine, _ = demo
    late = []
    with engine.connect() as conn:
        for kind, payload in conn.execute(select(records.c.kind, records.c.payload)):
            for key, day in _dates(json.loads(payload)):
                if day > ANCHOR and key not in MAY_BE_AHEAD.get(kind, set()):
                    late.append((kind, key, day))
    assert not late, Counter((k, f) for k, f, _ in late)


def test_every_postcode_is_one_postnl_issues(demo):
    engine, _ = demo
    with engine.connect() as conn:
        codes = [*conn.execute(select(patients.c.postcode)).scalars(),
                 *conn.execute(select(providers.c.postcode)).scalars()]
    assert codes and all(nl_postcode.is_valid(c) for c in codes)
    assert all(1000 <= int(c[:4]) <= 9999 and c[4:] not in ("SA", "SD", "SS") for c in codes)


def test_some_addresses_have_a_house_number_addition(demo):
    engine, _ = demo
    with engine.connect() as conn:
        additions = conn.execute(select(patients.c.house_number_addition)
                                 .where(patients.c.house_number_addition.is_not(None))).scalars().all()
    assert {"a", "-2"} <= set(additions)


def test_exactly_one_behandelbeperking_holds_the_rest_is_marked_superseded(demo):
    engine, connector = demo
    with engine.connect() as conn:
        ids = conn.execute(select(records.c.patient_id).where(records.c.kind == "restriction")
                           .distinct()).scalars().all()
    assert ids
    histories = 0
    for patient_id in ids:
        rows = connector.list_treatment_restrictions(str(patient_id))
        if not rows:
            continue  # only a draft
        current = [r for r in rows if r.note != RESTRICTION_SUPERSEDED]
        assert len(current) == 1, rows
        assert all(r.decided_on < current[0].decided_on for r in rows if r is not current[0])
        histories += len(rows) > 1
    assert histories


def test_every_demo_account_has_a_patient_whose_record_fills_every_screen(demo):
    engine, connector = demo
    with engine.connect() as conn:
        agbs = conn.execute(select(providers.c.agb_code)
                            .where(providers.c.kind.in_(("gp", "elderly_care_physician")))).scalars().all()
    year_ago = connector.clock.today() - timedelta(days=365)
    for agb in agbs:
        full = [p for p in connector.patients_of(agb, limit=50)
                if p.consent and all(getattr(connector, name)(p.patient_id) for name in PATIENT_LIST_METHODS)]
        assert full, f"no patient of {agb} fills every screen"
        per_test = defaultdict(set)
        for result in connector.list_lab_results(full[0].patient_id):
            per_test[result.test].add(result.sampled_at)
        for test in COMMON_LAB_TESTS:
            recent = [t for t in per_test[test] if t.date() >= year_ago]
            assert 6 <= len(recent) <= 12, (agb, test, len(recent))
