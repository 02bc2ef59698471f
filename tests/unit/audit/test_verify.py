"""verify_chain and `portal audit verify`: intact chains pass; every kind of tampering is
found and the first bad record named."""
import pytest
from sqlalchemy import insert, select, text

from portal.audit import Action, AuditEvent, record
from portal.audit.chain import record_hash
from portal.audit.models import AuditRecord
from portal.audit.verify import Anchor, verify_chain

LOG = AuditRecord.__table__


@pytest.fixture
def chain(database, chain_tenant):
    """Five records in a chain of its own; returns their hashes by seq."""
    for n in range(1, 6):
        record(AuditEvent(Action.VIEW, "success", chain_tenant, user_uzi="900000001", patient_bsn="999990019",
                          data=f"Brief {n}"), database)
    with database.engine.connect() as conn:
        return dict(conn.execute(text("SELECT seq, record_hash FROM audit_log WHERE tenant_id = :t"),
                                 {"t": chain_tenant}).all())


def _row(conn, tenant, seq) -> dict:
    return dict(conn.execute(select(LOG).where(LOG.c.tenant_id == tenant, LOG.c.seq == seq)).mappings().one())


def test_intact_chain_passes(database, tampering, chain_tenant, chain):
    result = verify_chain(database, chain_tenant)
    assert result.intact, result.problem
    assert (result.records, result.head_seq, result.head_hash) == (5, 5, chain[5])


def test_empty_chain_is_intact(database, chain_tenant):
    assert verify_chain(database, chain_tenant).intact


def test_changed_record_is_named(database, tampering, chain_tenant, chain):
    with tampering(database) as conn:
        conn.execute(text("UPDATE audit_log SET data = 'Brief 99' WHERE tenant_id = :t AND seq = 3"),
                     {"t": chain_tenant})
    result = verify_chain(database, chain_tenant)
    assert not result.intact and result.bad_seq == 3
    assert "record 3" in result.problem and "altered" in result.problem


def test_changed_record_with_recomputed_hash_breaks_the_next_link(database, tampering, chain_tenant, chain):
    with tampering(database) as conn:
        row = _row(conn, chain_tenant, 3)
        row["data"] = "Brief 99"
        conn.execute(text("UPDATE audit_log SET data = :d, record_hash = :h WHERE tenant_id = :t AND seq = 3"),
                     {"d": row["data"], "h": record_hash(row), "t": chain_tenant})
    result = verify_chain(database, chain_tenant)
    assert result.bad_seq == 4 and "does not link to record 3" in result.problem


def test_deleted_record_is_named(database, tampering, chain_tenant, chain):
    with tampering(database) as conn:
        conn.execute(text("DELETE FROM audit_log WHERE tenant_id = :t AND seq = 3"), {"t": chain_tenant})
    result = verify_chain(database, chain_tenant)
    assert result.bad_seq == 3 and "record 3 is missing" in result.problem


def test_deleted_newest_record_is_not_a_shorter_intact_chain(database, tampering, chain_tenant, chain):
    with tampering(database) as conn:
        conn.execute(text("DELETE FROM audit_log WHERE tenant_id = :t AND seq = 5"), {"t": chain_tenant})
    result = verify_chain(database, chain_tenant)
    assert result.bad_seq == 5 and "record 5 is missing" in result.problem and "chain head" in result.problem


def test_deleted_tail_with_rewound_head_is_caught_by_an_anchor(database, tampering, chain_tenant, chain):
    anchor = Anchor(5, chain[5])
    with tampering(database) as conn:
        conn.execute(text("DELETE FROM audit_log WHERE tenant_id = :t AND seq = 5"), {"t": chain_tenant})
        conn.execute(text("UPDATE audit_chain_heads SET seq = 4, record_hash = :h WHERE tenant_id = :t"),
                     {"h": chain[4], "t": chain_tenant})
    # Without an anchor, a full rewrite by someone with database rights cannot be told
    # from a shorter log; that is what anchors noted outside the database are for.
    assert verify_chain(database, chain_tenant).intact
    result = verify_chain(database, chain_tenant, anchor)
    assert result.bad_seq == 5 and "anchor" in result.problem


def test_inserted_record_after_the_head_is_named(database, tampering, chain_tenant, chain):
    with tampering(database) as conn:
        row = _row(conn, chain_tenant, 5)
        row.update(seq=6, prev_hash=chain[5], data="Verzonnen")
        row["record_hash"] = record_hash(row)
        conn.execute(insert(LOG).values(row))
    result = verify_chain(database, chain_tenant)
    assert result.bad_seq == 6 and "inserted" in result.problem


def test_inserted_record_in_the_middle_is_found(database, tampering, chain_tenant, chain):
    with tampering(database) as conn:
        for seq in (5, 4):  # make room at 4, highest first (primary key)
            conn.execute(text("UPDATE audit_log SET seq = seq + 1 WHERE tenant_id = :t AND seq = :s"),
                         {"t": chain_tenant, "s": seq})
        row = _row(conn, chain_tenant, 3)
        row.update(seq=4, prev_hash=chain[3], data="Verzonnen")
        row["record_hash"] = record_hash(row)
        conn.execute(insert(LOG).values(row))
    result = verify_chain(database, chain_tenant)
    # The forged record links correctly to 3; the one after it cannot link to the forgery.
    assert result.bad_seq == 5 and "does not link to record 4" in result.problem


def test_reordered_records_are_found(database, tampering, chain_tenant, chain):
    with tampering(database) as conn:
        for old, new in ((2, -2), (3, 2), (-2, 3)):
            conn.execute(text("UPDATE audit_log SET seq = :n WHERE tenant_id = :t AND seq = :o"),
                         {"t": chain_tenant, "o": old, "n": new})
    result = verify_chain(database, chain_tenant)
    assert result.bad_seq == 2 and "record 2" in result.problem


def test_anchor_parsing():
    assert Anchor.parse("12:" + "A" * 64) == Anchor(12, "a" * 64)
    for bad in ("12", "x:" + "a" * 64, "0:" + "a" * 64, "3:abc"):
        with pytest.raises(ValueError, match="SEQ:HASH"):
            Anchor.parse(bad)


def test_cli_verify_passes_an_intact_chain(run_cli, platform):
    record(AuditEvent(Action.LOGIN, "success", "mst", user_uzi="900000001"), platform.database)
    result = run_cli("audit", "verify", "--tenant", "mst")
    assert result.exit_code == 0, result.output
    assert "ok: audit chain of tenant 'mst' is intact" in result.output
    head = result.output.split("head: ")[1].split()[0]
    anchored = run_cli("audit", "verify", "--tenant", "mst", "--anchor", head)
    assert anchored.exit_code == 0, anchored.output


def test_cli_verify_names_the_first_bad_record(tmp_path, tampering):
    # A database of its own: breaking the shared test database's zgt chain would break
    # other tests. The command runs as hospital IT runs it, in a new process.
    import subprocess
    import sys

    from portal import migrations
    from portal.db import Database

    url = f"sqlite:///{tmp_path / 'audit.sqlite'}"
    database = Database(url)
    migrations.upgrade(database)
    for n in range(3):
        record(AuditEvent(Action.VIEW, "success", "zgt", data=f"Brief {n}"), database)
    with tampering(database) as conn:
        conn.execute(text("UPDATE audit_log SET grounds = 'x' WHERE tenant_id = 'zgt' AND seq = 2"))
    database.dispose()
    env = {**__import__("os").environ, "PORTAL_ENV": "testing", "DATABASE_URL": url,
           "PORTAL_INSTANCE_DIR": str(tmp_path)}
    result = subprocess.run([sys.executable, "-m", "portal", "audit", "verify", "--tenant", "zgt"],
                            capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 1
    assert "BROKEN" in result.stderr and "record 2" in result.stderr and "altered" in result.stderr


def test_cli_verify_refuses_a_bad_anchor(run_cli):
    result = run_cli("audit", "verify", "--tenant", "zgt", "--anchor", "nonsense")
    assert result.exit_code == 2 and "SEQ:HASH" in result.output
