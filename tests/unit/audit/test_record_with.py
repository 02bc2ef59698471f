"""record_with(): an audit record and a write of the caller's in one transaction."""
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from portal.access.facts import _REMEMBER
from portal.access.models import RecentPatient
from portal.audit import Action, AuditEvent, AuditWriteError, record
from portal.audit.chain import record_hash
from portal.audit.models import AuditRecord
from portal.audit.writer import record_with


def _event(tenant, data):
    return AuditEvent(Action.VIEW, "success", tenant, user_uzi="900000001", patient_bsn="999990019", data=data,
                      grounds="consent+registered_gp")


def _recent(database, account_id):
    with database.session() as session:
        return session.scalars(select(RecentPatient.patient_id).where(RecentPatient.account_id == account_id)).all()


def _chain(database, tenant):
    with database.session() as session:
        return session.scalars(select(AuditRecord).where(AuditRecord.tenant_id == tenant)
                               .order_by(AuditRecord.seq)).all()


@pytest.mark.parametrize("first", [True, False], ids=["no-head-yet", "head"])
def test_both_are_written_and_the_chain_stays_in_order(database, chain_tenant, make_account, first):
    account = make_account()
    if not first:
        record(_event(chain_tenant, "Dossier"), database)
    params = {"account": account.id, "patient": "p-1", "now": datetime.now(timezone.utc)}
    record_with(_event(chain_tenant, "Patiëntselectie"), _REMEMBER[database.dialect], params, database)
    record_with(_event(chain_tenant, "Patiëntselectie"), _REMEMBER[database.dialect], params, database)  # upsert
    assert _recent(database, account.id) == ["p-1"]
    rows = _chain(database, chain_tenant)
    assert [r.seq for r in rows] == list(range(1, len(rows) + 1)) and len(rows) == (2 if first else 3)
    for previous, row in zip(rows, rows[1:]):
        assert row.prev_hash == previous.record_hash
    for row in rows:
        assert record_hash({c: getattr(row, c) for c in AuditRecord.__table__.columns.keys()}) == row.record_hash


def test_a_failing_write_fails_the_record_too(database, chain_tenant):
    record(_event(chain_tenant, "Dossier"), database)
    params = {"account": 2_000_000_000, "patient": "p-1", "now": datetime.now(timezone.utc)}  # no such account
    with pytest.raises(AuditWriteError):
        record_with(_event(chain_tenant, "Patiëntselectie"), _REMEMBER[database.dialect], params, database)
    assert [r.data for r in _chain(database, chain_tenant)] == ["Dossier"]


def test_parameters_named_as_record_columns_are_refused(database, chain_tenant):
    with pytest.raises(ValueError, match="data"):
        record_with(_event(chain_tenant, "x"), _REMEMBER[database.dialect], {"data": 1}, database)
