"""Signed checkpoints: a chain rewritten or truncated by someone holding the database is
caught by ``portal audit verify`` without any option; a forged checkpoint line is too."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace

import pytest
from sqlalchemy import select, update

from portal import migrations
from portal.audit import Action, AuditEvent, record, record_all
from portal.audit.chain import record_hash
from portal.audit.checkpoints import CheckpointError, Checkpoints, new_key_pair
from portal.audit.models import AuditChainHead, AuditRecord
from portal.audit.verify import verify_chain
from portal.db import Database
from portal.settings import SettingsError

LOG, HEADS = AuditRecord.__table__, AuditChainHead.__table__


@pytest.fixture
def anchored(tmp_path):
    """A database of its own with five zgt records and checkpoints every 2 records."""
    signing, verify = new_key_pair()
    database = Database(f"sqlite:///{tmp_path / 'audit.sqlite'}")
    migrations.upgrade(database)
    database.checkpoints = Checkpoints(tmp_path / "checkpoints.log", signing, every=2)
    for n in range(3):
        record(AuditEvent(Action.VIEW, "success", "zgt", data=f"Brief {n}"), database)
    record_all([AuditEvent(Action.VIEW, "success", "zgt", data=f"Brief {n}") for n in (3, 4)], database)
    yield database, tmp_path, signing, verify
    database.dispose()


def _verify(tmp_path, database, *extra_env) -> subprocess.CompletedProcess:
    """``portal audit verify --tenant zgt`` as hospital IT runs it: a new process, no option."""
    env = {**os.environ, "PORTAL_ENV": "testing", "DATABASE_URL": database.url,
           "PORTAL_INSTANCE_DIR": str(tmp_path), "PORTAL_AUDIT_CHECKPOINTS": str(tmp_path / "checkpoints.log"),
           **dict(extra_env)}
    env.pop("PORTAL_AUDIT_SIGNING_KEY", None)
    return subprocess.run([sys.executable, "-m", "portal", "audit", "verify", "--tenant", "zgt"],
                          capture_output=True, text=True, env=env, timeout=120)


def test_checkpoints_are_written_every_n_records_and_signed(anchored):
    database, tmp_path, _signing, verify = anchored
    lines = [json.loads(line) for line in (tmp_path / "checkpoints.log").read_text().splitlines()]
    assert [(c["tenant"], c["seq"]) for c in lines] == [("zgt", 2), ("zgt", 4)]
    with database.engine.connect() as conn:
        hashes = dict(conn.execute(select(LOG.c.seq, LOG.c.record_hash).where(LOG.c.tenant_id == "zgt")).all())
    assert [c["hash"] for c in lines] == [hashes[2], hashes[4]]
    # Anyone with the public key alone can check them.
    read = Checkpoints(tmp_path / "checkpoints.log", verify_key=verify).read("zgt")
    assert [c.seq for c in read] == [2, 4]
    result = _verify(tmp_path, database, ("PORTAL_AUDIT_VERIFY_KEY", verify))
    assert result.returncode == 0, result.stderr
    assert "checked against 2 signed checkpoint(s); newest: record 4" in result.stdout


def test_a_truncated_chain_is_caught(anchored, tampering):
    database, tmp_path, _signing, verify = anchored
    with tampering(database) as conn:  # drop records 4 and 5, and set the head back: self-consistent
        conn.execute(LOG.delete().where(LOG.c.tenant_id == "zgt", LOG.c.seq > 3))
        third = conn.execute(select(LOG.c.record_hash).where(LOG.c.tenant_id == "zgt", LOG.c.seq == 3)).scalar_one()
        conn.execute(update(HEADS).where(HEADS.c.tenant_id == "zgt").values(seq=3, record_hash=third))
    assert verify_chain(database, "zgt").intact  # the chain alone cannot tell
    result = _verify(tmp_path, database, ("PORTAL_AUDIT_VERIFY_KEY", verify))
    assert result.returncode == 1 and "record 4 (a signed checkpoint) is missing" in result.stderr


def test_a_rewritten_chain_is_caught(anchored, tampering):
    database, tmp_path, _signing, verify = anchored
    with tampering(database) as conn:  # record 3 altered, every later hash recomputed
        rows = [dict(r._mapping) for r in conn.execute(select(LOG).where(LOG.c.tenant_id == "zgt", LOG.c.seq >= 3)
                                                       .order_by(LOG.c.seq))]
        conn.execute(LOG.delete().where(LOG.c.tenant_id == "zgt", LOG.c.seq >= 3))
        previous = conn.execute(select(LOG.c.record_hash).where(LOG.c.tenant_id == "zgt", LOG.c.seq == 2)).scalar_one()
        for row in rows:
            if row["seq"] == 3:
                row["data"] = "Brief van een ander"
            row["prev_hash"] = previous
            row["record_hash"] = previous = record_hash(row)
            conn.execute(LOG.insert().values(row))
        conn.execute(update(HEADS).where(HEADS.c.tenant_id == "zgt").values(record_hash=previous))
    assert verify_chain(database, "zgt").intact
    result = _verify(tmp_path, database, ("PORTAL_AUDIT_VERIFY_KEY", verify))
    assert result.returncode == 1 and "record 4" in result.stderr and "BROKEN" in result.stderr


def test_a_forged_checkpoint_line_is_caught(anchored):
    database, tmp_path, _signing, verify = anchored
    path = tmp_path / "checkpoints.log"
    first, second = path.read_text().splitlines()
    forged = json.loads(second)
    forged["seq"] = 3
    path.write_text(first + "\n" + json.dumps(forged) + "\n")
    with pytest.raises(CheckpointError, match="signature does not match"):
        Checkpoints(path, verify_key=verify).read("zgt")
    result = _verify(tmp_path, database, ("PORTAL_AUDIT_VERIFY_KEY", verify))
    assert result.returncode == 1 and "cannot be trusted" in result.stderr
    # Signed with another key: not ours either.
    other_signing, _ = new_key_pair()
    Checkpoints(path, other_signing).write("zgt", 5, "0" * 64)
    with pytest.raises(CheckpointError):
        Checkpoints(path, verify_key=verify).read("zgt")


def test_production_refuses_to_run_without_checkpoints(settings, monkeypatch, tmp_path):
    from portal.platform import _checkpoints

    production = replace(settings, environment="production")
    for name in ("PORTAL_AUDIT_CHECKPOINTS", "PORTAL_AUDIT_SIGNING_KEY", "PORTAL_AUDIT_VERIFY_KEY"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(SettingsError, match="PORTAL_AUDIT_CHECKPOINTS"):
        _checkpoints(production)
    monkeypatch.setenv("PORTAL_AUDIT_CHECKPOINTS", str(tmp_path / "c.log"))
    monkeypatch.setenv("PORTAL_AUDIT_VERIFY_KEY", new_key_pair()[1])
    with pytest.raises(SettingsError, match="PORTAL_AUDIT_SIGNING_KEY"):
        _checkpoints(production)  # a node that cannot sign anchors nothing
    monkeypatch.setenv("PORTAL_AUDIT_SIGNING_KEY", "not a key")
    with pytest.raises(SettingsError, match="32-byte Ed25519 key"):
        _checkpoints(production)
    monkeypatch.setenv("PORTAL_AUDIT_SIGNING_KEY", new_key_pair()[0])
    monkeypatch.delenv("PORTAL_AUDIT_VERIFY_KEY")
    assert _checkpoints(production).can_sign


def test_cli_checkpoint_and_keygen(run_cli):
    keys = run_cli("audit", "keygen")
    assert keys.exit_code == 0
    assert keys.output.startswith("PORTAL_AUDIT_SIGNING_KEY=") and "PORTAL_AUDIT_VERIFY_KEY=" in keys.output
    refused = run_cli("audit", "checkpoint", "--tenant", "zgt")  # the test platform has no checkpoints
    assert refused.exit_code != 0 and "PORTAL_AUDIT_CHECKPOINTS" in refused.output


def test_cli_checkpoint_anchors_the_head_now(run_cli, platform, tmp_path):
    signing, _ = new_key_pair()
    platform.database.checkpoints = Checkpoints(tmp_path / "now.log", signing, every=10**9)
    try:
        record(AuditEvent(Action.LOGIN, "success", "mst", user_uzi="900000002"), platform.database)
        result = run_cli("audit", "checkpoint", "--tenant", "mst")
        assert result.exit_code == 0, result.output
        [written] = Checkpoints(tmp_path / "now.log", signing).read("mst")
        assert f"at record {written.seq} written" in result.output
        verified = run_cli("audit", "verify", "--tenant", "mst")
        assert verified.exit_code == 0 and "newest: record" in verified.output, verified.output
    finally:
        platform.database.checkpoints = None
