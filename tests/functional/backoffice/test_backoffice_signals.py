"""The log review's signals over a realistic month (tests/support/audit_month.py): none on the
ordinary month, exactly the planted one for each misuse pattern; recomputing never duplicates."""
from __future__ import annotations

import uuid
from datetime import date
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from portal.audit.verify import verify_chain
from portal.backoffice import signals
from portal.backoffice.models import Signal
from portal.tenants.backoffice import SignalsConfig
from support.audit_month import PLANTS, WATCHED, uzi, write_month

ZONE = ZoneInfo("Europe/Amsterdam")
LAST_DAY = date(2026, 3, 31)
CONFIG = SignalsConfig(watch_list=(WATCHED,))


def _month(platform, plant=None) -> str:
    tenant_id = f"sig-{uuid.uuid4().hex[:10]}"
    write_month(platform.database, tenant_id, LAST_DAY, ZONE, plant=plant)
    return tenant_id


def _compute(platform, tenant_id: str) -> list[Signal]:
    with platform.database.session() as db:
        signals.compute(db, tenant_id, CONFIG, LAST_DAY, ZONE)
        db.commit()
        found = list(db.scalars(select(Signal).where(Signal.tenant_id == tenant_id)))
        db.expunge_all()
    return found


def test_the_ordinary_month_is_a_valid_chain_and_raises_no_signal(platform):
    tenant_id = _month(platform)
    assert verify_chain(platform.database, tenant_id).intact
    assert _compute(platform, tenant_id) == []


@pytest.mark.parametrize("plant", sorted(PLANTS))
def test_each_planted_misuse_raises_exactly_its_signal(platform, plant):
    tenant_id = _month(platform, plant)
    assert verify_chain(platform.database, tenant_id).intact
    found = _compute(platform, tenant_id)
    assert [s.kind for s in found] == [PLANTS[plant]]
    signal = found[0]
    assert signal.first_seq <= signal.last_seq
    if plant == "failed_logins":
        assert signal.subject == "900077777"
    if plant == "browse":
        assert signal.provider_uzi == uzi(0) and signal.count >= 100


def test_recomputing_refreshes_and_never_duplicates_nor_reopens(platform):
    tenant_id = _month(platform, "refusals")
    first = _compute(platform, tenant_id)
    with platform.database.session() as db:
        signal = db.get(Signal, first[0].id)
        signals.close(signal, "Besproken met de praktijk", "Petra Privacy")
        db.commit()
    again = _compute(platform, tenant_id)
    assert [(s.id, s.kind) for s in again] == [(first[0].id, "refusals")]
    assert again[0].closed_at is not None


def test_thresholds_are_the_tenants(platform):
    tenant_id = _month(platform, "refusals")
    with platform.database.session() as db:
        signals.compute(db, tenant_id, SignalsConfig(refusals=10), LAST_DAY, ZONE)
        assert db.scalars(select(Signal).where(Signal.tenant_id == tenant_id)).all() == []
