"""record(): one hash-chained row per event, committed, fail closed."""
import pytest
from sqlalchemy import select, text

from portal.audit import Action, AuditEvent, AuditWriteError, record
from portal.audit.chain import GENESIS_HASH, record_hash
from portal.audit.models import AuditChainHead, AuditRecord
from portal.db import Database


def _rows(database, tenant):
    with database.session() as session:
        return session.scalars(select(AuditRecord).where(AuditRecord.tenant_id == tenant)
                               .order_by(AuditRecord.seq)).all()


def test_records_are_chained_in_order(database, chain_tenant):
    for data in ("Labuitslagen", "Brief 123", "Röntgenfoto thorax"):
        record(AuditEvent(Action.VIEW, "success", chain_tenant, user_uzi="900000001", patient_bsn="999990019",
                          data=data, grounds="consent+registered_gp", details={"pagina": data}), database)
    rows = _rows(database, chain_tenant)
    assert [r.seq for r in rows] == [1, 2, 3]
    assert [r.data for r in rows] == ["Labuitslagen", "Brief 123", "Röntgenfoto thorax"]
    assert rows[0].prev_hash == GENESIS_HASH
    assert rows[1].prev_hash == rows[0].record_hash and rows[2].prev_hash == rows[1].record_hash
    for row in rows:
        fields = {c: getattr(row, c) for c in AuditRecord.__table__.columns.keys()}
        assert record_hash(fields) == row.record_hash
    with database.session() as session:
        head = session.get(AuditChainHead, chain_tenant)
    assert (head.seq, head.record_hash) == (3, rows[2].record_hash)


def test_all_nen7513_fields_are_stored(database, chain_tenant):
    event = AuditEvent(Action.EMERGENCY_ACCESS, "success", chain_tenant, user_uzi="900000002", user_name="J. Jansen",
                       user_role="01.015", user_agb="01234567", responsible_uzi="900000003",
                       network_address="10.88.1.2", patient_bsn="999990019", patient_number="P123",
                       data="Dossier", grounds="emergency_access: patiënt aanspreekbaar noch bekend",
                       details={"hap": "HAP Hengelo"}, user_organisation="Huisartsenpraktijk De Linde")
    record(event, database)
    (row,) = _rows(database, chain_tenant)
    for name in ("user_uzi", "user_name", "user_role", "user_agb", "responsible_uzi", "network_address",
                 "patient_bsn", "patient_number", "data", "grounds", "user_organisation"):
        assert getattr(row, name) == getattr(event, name)
    assert row.action == "emergency_access" and row.outcome == "success"
    assert row.system == "zorgverlenersportaal"
    assert row.details == '{"hap":"HAP Hengelo"}'
    assert row.occurred_at is not None


def test_system_defaults_to_the_tenants_system_name(platform, db_session):
    app = platform.apps["zgt"]
    with app.app_context():
        record(AuditEvent(Action.LOGIN, "failure", "zgt", user_uzi="900000009"))
    with platform.database.session() as session:
        row = session.scalars(select(AuditRecord).where(AuditRecord.tenant_id == "zgt")
                              .order_by(AuditRecord.seq.desc())).first()
    assert row.action == "login" and row.outcome == "failure"
    assert row.system == app.extensions["portal.tenant"].audit.system_name


@pytest.mark.parametrize("kwargs, message", [
    ({"action": "peek", "outcome": "success", "tenant_id": "zgt"}, "peek"),
    ({"action": Action.VIEW, "outcome": "ok", "tenant_id": "zgt"}, "outcome"),
    ({"action": Action.VIEW, "outcome": "success", "tenant_id": ""}, "tenant_id"),
    ({"action": Action.VIEW, "outcome": "success", "tenant_id": "zgt", "details": {"n": 1}}, "details"),
])
def test_bad_events_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        AuditEvent(**kwargs)


def test_unwritable_database_raises_audit_write_error(tmp_path, chain_tenant):
    # A database without the audit tables: the write fails, the caller learns it.
    broken = Database(f"sqlite:///{tmp_path / 'empty.sqlite'}")
    with pytest.raises(AuditWriteError, match=chain_tenant):
        record(AuditEvent(Action.VIEW, "success", chain_tenant), broken)
    broken.dispose()


def test_record_needs_a_database_outside_an_app():
    with pytest.raises(AuditWriteError, match="no database"):
        record(AuditEvent(Action.VIEW, "success", "zgt"))


@pytest.mark.parametrize("statement", [
    "UPDATE audit_log SET data = 'iets anders' WHERE tenant_id = :t",
    "DELETE FROM audit_log WHERE tenant_id = :t",
    "DELETE FROM audit_chain_heads WHERE tenant_id = :t",
    "UPDATE audit_chain_heads SET seq = seq - 1 WHERE tenant_id = :t",
])
def test_database_refuses_changing_the_log(database, chain_tenant, statement):
    record(AuditEvent(Action.VIEW, "success", chain_tenant), database)
    record(AuditEvent(Action.VIEW, "success", chain_tenant), database)
    with pytest.raises(Exception, match="refused"):
        with database.engine.begin() as conn:
            conn.execute(text(statement), {"t": chain_tenant})
    assert len(_rows(database, chain_tenant)) == 2


def test_database_refuses_emptying_the_log(database, chain_tenant):
    # PostgreSQL's TRUNCATE skips row triggers, so it has a trigger of its own; SQLite has
    # no TRUNCATE, and its fast "DELETE without WHERE" still fires the row trigger.
    record(AuditEvent(Action.VIEW, "success", chain_tenant), database)
    statement = "TRUNCATE audit_log" if database.dialect == "postgresql" else "DELETE FROM audit_log"
    with pytest.raises(Exception, match="refused"):
        with database.engine.begin() as conn:
            conn.execute(text(statement))
    assert len(_rows(database, chain_tenant)) == 1
