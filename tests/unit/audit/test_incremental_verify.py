"""Routine verification: a verify run that found the chain intact signs a *verified*
checkpoint, and the next routine run walks only what came after it; ``--full`` still walks
everything. Writer and verified checkpoints cannot be passed off as each other."""
from __future__ import annotations

import base64
import json

import pytest
from sqlalchemy import select, text

from portal import migrations
from portal.audit import Action, AuditEvent, record
from portal.audit.chain import record_hash
from portal.audit.checkpoints import VERIFIED, WRITER, Checkpoint, CheckpointError, Checkpoints, new_key_pair
from portal.audit.models import AuditRecord
from portal.audit.verify_run import run_verify
from portal.db import Database

LOG = AuditRecord.__table__


def _append(database, count: int, tenant: str = "zgt") -> None:
    for n in range(count):
        record(AuditEvent(Action.VIEW, "success", tenant, data=f"Brief {n}"), database)


@pytest.fixture
def logged(tmp_path):
    """A database of its own with six zgt records and writer checkpoints every 4 records."""
    signing, verify = new_key_pair()
    database = Database(f"sqlite:///{tmp_path / 'audit.sqlite'}")
    migrations.upgrade(database)
    database.checkpoints = Checkpoints(tmp_path / "checkpoints.log", signing, every=4)
    _append(database, 6)
    yield database, Checkpoints(tmp_path / "checkpoints.log", verify_key=verify)
    database.dispose()


def test_first_run_is_full_then_routine_runs_walk_only_new_records(logged):
    database, _auditor = logged
    first = run_verify(database, database.checkpoints, "zgt")
    assert first.full and "no verified checkpoint" in first.mode
    assert (first.result.records, first.result.first_seq) == (6, 1)
    assert first.written is not None and (first.written.kind, first.written.seq) == (VERIFIED, 6)
    _append(database, 3)
    routine = run_verify(database, database.checkpoints, "zgt")
    assert not routine.full and "from the verified checkpoint at record 6" in routine.mode
    # Record 6 (the checkpoint's own, hash compared) and the three new ones.
    assert (routine.result.records, routine.result.first_seq, routine.result.head_seq) == (4, 6, 9)
    assert routine.written is not None and routine.written.seq == 9
    again = run_verify(database, database.checkpoints, "zgt")
    assert again.result.records == 1 and again.written is None and "no new records" in again.note


def test_routine_trusts_what_it_vouched_for_full_rechecks_it(logged, tampering):
    """The trade-off, shown: a change before the verified checkpoint that leaves the
    checkpoint's record as it was is found by --full only."""
    database, _auditor = logged
    run_verify(database, database.checkpoints, "zgt")
    with tampering(database) as conn:
        conn.execute(text("UPDATE audit_log SET data = 'Brief van een ander' WHERE tenant_id = 'zgt' AND seq = 2"))
    assert run_verify(database, database.checkpoints, "zgt").result.intact
    full = run_verify(database, database.checkpoints, "zgt", full=True)
    assert full.result.bad_seq == 2 and "altered" in full.result.problem


def test_routine_catches_a_rewritten_checkpoint_record(logged, tampering):
    database, _auditor = logged
    run_verify(database, database.checkpoints, "zgt")
    _append(database, 2)
    with tampering(database) as conn:  # record 6 changed and its hash recomputed, the rest relinked
        row = dict(conn.execute(select(LOG).where(LOG.c.tenant_id == "zgt", LOG.c.seq == 6)).mappings().one())
        row["data"] = "Brief van een ander"
        conn.execute(text("UPDATE audit_log SET data = :d, record_hash = :h WHERE tenant_id = 'zgt' AND seq = 6"),
                     {"d": row["data"], "h": record_hash(row)})
    result = run_verify(database, database.checkpoints, "zgt").result
    assert result.bad_seq == 6 and "differs from the verified checkpoint" in result.problem


def test_routine_catches_a_tail_cut_below_the_verified_checkpoint(logged, tampering):
    database, _auditor = logged
    run_verify(database, database.checkpoints, "zgt")
    with tampering(database) as conn:
        fifth = conn.execute(text("SELECT record_hash FROM audit_log WHERE tenant_id = 'zgt' AND seq = 5")).scalar()
        conn.execute(text("DELETE FROM audit_log WHERE tenant_id = 'zgt' AND seq = 6"))
        conn.execute(text("UPDATE audit_chain_heads SET seq = 5, record_hash = :h WHERE tenant_id = 'zgt'"),
                     {"h": fifth})
    result = run_verify(database, database.checkpoints, "zgt").result
    assert result.bad_seq == 6 and "verified checkpoint this run starts from) is missing" in result.problem


def test_an_auditor_without_the_signing_key_verifies_but_writes_nothing(logged):
    database, auditor = logged
    run = run_verify(database, auditor, "zgt")
    assert run.result.intact and run.written is None and "PORTAL_AUDIT_SIGNING_KEY" in run.note


def test_writer_lines_cannot_pass_for_verified_ones_and_old_lines_stay_readable(logged, tmp_path):
    database, auditor = logged
    path = tmp_path / "checkpoints.log"
    writer_line = json.loads(path.read_text().splitlines()[0])
    assert (writer_line["v"], writer_line["kind"], writer_line["seq"]) == (2, WRITER, 4)
    promoted = {**writer_line, "kind": VERIFIED}  # the signature covers the kind
    with path.open("a") as file:
        file.write(json.dumps(promoted, separators=(",", ":")) + "\n")
    with pytest.raises(CheckpointError, match="signature does not match"):
        auditor.read_since_vouched("zgt")
    # A line written before kinds existed: no "v", signed over the version 1 message.
    signing, verify = new_key_pair()
    legacy = Checkpoint("zgt", 4, writer_line["hash"], writer_line["at"], version=1)
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    key = Ed25519PrivateKey.from_private_bytes(base64.b64decode(signing))
    old = tmp_path / "old.log"
    old.write_text(json.dumps({"tenant": "zgt", "seq": 4, "hash": legacy.record_hash, "at": legacy.at,
                               "sig": base64.b64encode(key.sign(legacy.message())).decode()},
                              separators=(",", ":")) + "\n")
    [read] = Checkpoints(old, verify_key=verify).read("zgt")
    assert (read.kind, read.version, read.seq) == (WRITER, 1, 4)
    assert Checkpoints(old, verify_key=verify).read_since_vouched("zgt") == (None, [read])


def test_cli_says_which_mode_ran_and_from_where(run_cli, platform, tmp_path):
    signing, _ = new_key_pair()
    platform.database.checkpoints = Checkpoints(tmp_path / "cli.log", signing, every=10**9)
    try:
        record(AuditEvent(Action.LOGIN, "success", "mst", user_uzi="900000002"), platform.database)
        first = run_cli("audit", "verify", "--tenant", "mst")
        assert first.exit_code == 0, first.output
        assert "verify of tenant 'mst', full: no verified checkpoint" in first.output
        assert "verified checkpoint written: record" in first.output
        record(AuditEvent(Action.LOGIN, "success", "mst", user_uzi="900000002"), platform.database)
        routine = run_cli("audit", "verify", "--tenant", "mst")
        assert routine.exit_code == 0, routine.output
        assert "verify of tenant 'mst', routine: from the verified checkpoint at record" in routine.output
        assert "2 records checked" in routine.output
        full = run_cli("audit", "verify", "--tenant", "mst", "--full")
        assert full.exit_code == 0 and "verify of tenant 'mst', full (--full)" in full.output, full.output
    finally:
        platform.database.checkpoints = None


def test_the_tail_read_backwards_is_the_file_from_the_newest_verified_checkpoint_on(tmp_path):
    """A routine verify reads the file backwards to the newest verified checkpoint; across any
    block boundary it finds the same lines as reading it all."""
    signing, _ = new_key_pair()
    checkpoints = Checkpoints(tmp_path / "c.log", signing)
    for seq in range(1, 40):
        checkpoints.write("zgt" if seq % 3 else "mst", seq, f"{seq:064x}", VERIFIED if seq in (12, 20, 24) else WRITER)
    whole = [line.checkpoint for line in checkpoints._parse("zgt")]
    expected = whole[[c.seq for c in whole].index(20):]
    for block in (7, 64, 200, 1 << 16):
        assert [line.checkpoint for line in checkpoints._parse_tail("zgt", block)] == expected
    assert [line.checkpoint.seq for line in checkpoints._parse_tail("mst", 50)][0] == 24
    start, later = checkpoints.read_since_vouched("zgt")
    assert start.seq == 20 and [c.seq for c in later] == [c.seq for c in expected[1:]]
