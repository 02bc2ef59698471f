"""record_all(): a list's records in one statement (PostgreSQL) or one executemany (SQLite),
chained exactly as single appends would chain them, all or nothing."""
import json
import threading

import pytest
from sqlalchemy import select, text

from portal.audit import Action, AuditEvent, AuditWriteError, record, record_all, writer
from portal.audit.chain import record_hash
from portal.audit.checkpoints import Checkpoints, new_key_pair
from portal.audit.models import AuditChainHead, AuditRecord
from portal.audit.verify import verify_chain
from portal.db import Database


def _rows(database, tenant):
    with database.session() as session:
        return session.scalars(select(AuditRecord).where(AuditRecord.tenant_id == tenant)
                               .order_by(AuditRecord.seq)).all()


def _head(database, tenant):
    with database.session() as session:
        head = session.get(AuditChainHead, tenant)
        return head.seq, head.record_hash


def _listed(tenant, n, **kwargs):
    kwargs = {"data": "Zoekresultaat", **kwargs}
    return AuditEvent(Action.LISTED, "success", tenant, user_uzi="900000001", patient_bsn=f"99999{n:04d}",
                      grounds="consent+registered_gp", details={"rij": str(n), "é": "ü"}, **kwargs)


def test_a_list_is_the_chain_single_appends_would_write(database, chain_tenant):
    record(_listed(chain_tenant, 0), database)  # the head exists: PostgreSQL takes the one-statement path
    events = [AuditEvent(Action.SEARCH, "success", chain_tenant, user_uzi="900000001", data="Zoekresultaat",
                         details={"naam": "Jansen"})] + [_listed(chain_tenant, n) for n in range(1, 13)]
    record_all(events, database)
    rows = _rows(database, chain_tenant)
    assert [r.seq for r in rows] == list(range(1, 15))
    assert [r.action for r in rows[1:]] == ["search"] + ["listed"] * 12
    assert [r.patient_bsn for r in rows[2:]] == [f"99999{n:04d}" for n in range(1, 13)]
    assert json.loads(rows[5].details) == {"rij": "4", "é": "ü"}
    # Replay what _append does for one event at a time, at the list's time: the same hashes.
    prev = rows[0].record_hash
    for event, row in zip(events, rows[1:]):
        fields = {**writer._fields(event, "zorgverlenersportaal"), "seq": row.seq, "prev_hash": prev,
                  "occurred_at": row.occurred_at}
        assert row.prev_hash == prev
        assert record_hash(fields) == row.record_hash
        prev = row.record_hash
    assert len({r.occurred_at for r in rows[1:]}) == 1  # one instant for the whole list
    assert _head(database, chain_tenant) == (14, rows[-1].record_hash)
    assert verify_chain(database, chain_tenant).intact


def test_a_first_list_creates_the_head(database, chain_tenant):
    record_all([_listed(chain_tenant, n) for n in range(3)], database)
    assert [r.seq for r in _rows(database, chain_tenant)] == [1, 2, 3]
    assert verify_chain(database, chain_tenant).intact


def test_a_failing_list_writes_none_of_its_records(database, chain_tenant, monkeypatch):
    record(_listed(chain_tenant, 0), database)
    before = _head(database, chain_tenant)
    events = [_listed(chain_tenant, n) for n in range(1, 6)]
    if database.dialect == "postgresql":
        # The last record does not fit its column: the database refuses the statement.
        events.append(_listed(chain_tenant, 6, user_name="x" * 201))
    else:
        # SQLite does not check lengths: let the head's advance fail after the inserts.
        monkeypatch.setattr(writer, "_ADVANCE_HEAD", text("UPDATE no_such_table SET seq = :head_seq"))
    with pytest.raises(AuditWriteError):
        record_all(events, database)
    assert len(_rows(database, chain_tenant)) == 1
    assert _head(database, chain_tenant) == before
    monkeypatch.undo()
    record_all([_listed(chain_tenant, 7)], database)
    assert verify_chain(database, chain_tenant).intact


def test_checkpoints_fall_on_every_nth_record_inside_a_list(database, chain_tenant, tmp_path, monkeypatch):
    signing, verify = new_key_pair()
    monkeypatch.setattr(database, "checkpoints", Checkpoints(tmp_path / "cp.log", signing, every=4), raising=False)
    record(_listed(chain_tenant, 0), database)
    record_all([_listed(chain_tenant, n) for n in range(1, 10)], database)
    hashes = {r.seq: r.record_hash for r in _rows(database, chain_tenant)}
    written = Checkpoints(tmp_path / "cp.log", verify_key=verify).read(chain_tenant)
    assert [(c.seq, c.record_hash) for c in written] == [(4, hashes[4]), (8, hashes[8])]


LISTS, SIZE = 25, 8


def test_lists_from_two_engines_at_once_keep_the_chain(database, chain_tenant):
    """Two writers with engines (connection pools) of their own append lists at the same
    time, as two nodes would: every list lands whole and in one piece, the chain intact."""
    record(_listed(chain_tenant, 0), database)
    barrier, errors = threading.Barrier(2), []

    def write(writer_no):
        own = Database(database.url)
        try:
            barrier.wait()
            for n in range(LISTS):
                record_all([_listed(chain_tenant, i, data=f"{writer_no}:{n}") for i in range(SIZE)], own)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            own.dispose()

    threads = [threading.Thread(target=write, args=(w,)) for w in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert errors == []
    rows = _rows(database, chain_tenant)[1:]
    assert len(rows) == 2 * LISTS * SIZE
    # Each list is SIZE consecutive records: lists never interleave.
    for start in range(0, len(rows), SIZE):
        assert len({r.data for r in rows[start:start + SIZE]}) == 1
    for w in (1, 2):
        mine = [r.data for r in rows[::SIZE] if r.data.startswith(f"{w}:")]
        assert mine == [f"{w}:{n}" for n in range(LISTS)]
    result = verify_chain(database, chain_tenant)
    assert result.intact, result.problem
