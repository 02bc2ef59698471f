"""Archiving records past the minimum retention: file and signed checkpoint first, removal
last and all at once; verify starts after the archive; an archive can be re-checked on its
own; the database refuses to delete records no archive covers."""
from __future__ import annotations

import json
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError
from sqlalchemy import func, insert, select, text
from sqlalchemy.exc import SQLAlchemyError

from portal import migrations
from portal.audit import Action, AuditEvent, record
from portal.audit.archive import ArchiveError, archive_before, archived_until, verify_archive, years_before
from portal.audit.chain import GENESIS_HASH, canonical_details, record_hash
from portal.audit.checkpoints import ARCHIVE, Checkpoints, new_key_pair
from portal.audit.models import AuditChainHead, AuditRecord
from portal.audit.verify_run import run_verify
from portal.db import Database
from portal.tenants.schema import AuditConfig

LOG, HEADS = AuditRecord.__table__, AuditChainHead.__table__
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
TODAY = date(2026, 12, 1)


def old_chain(database: Database, tenant: str, times: list[datetime]) -> None:
    """Records written at ``times`` (long ago), chained as the writer would have."""
    prev = GENESIS_HASH
    with database.engine.begin() as conn:
        for seq, at in enumerate(times, start=1):
            fields = {"tenant_id": tenant, "seq": seq, "prev_hash": prev, "occurred_at": at, "action": "view",
                      "outcome": "success", "system": "zorgverlenersportaal", "user_uzi": "900000001",
                      "user_name": "Dr. Ö. Ünal", "user_role": "01.015", "user_agb": None,
                      "user_organisation": "Praktijk De Linde", "responsible_uzi": None, "network_address": None,
                      "patient_bsn": "999990019", "patient_number": None, "data": f"Brief {seq}",
                      "grounds": "consent+registered_gp", "details": canonical_details({})}
            fields["record_hash"] = prev = record_hash(fields)
            conn.execute(insert(LOG).values(fields))
        conn.execute(insert(HEADS).values(tenant_id=tenant, seq=len(times), record_hash=prev, updated_at=times[-1]))


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=timezone.utc)


@pytest.fixture
def archivable(tmp_path):
    """zgt: records from 2018, 2019 and 2020 (3 each), then 2 written now; checkpoints signed."""
    signing, verify = new_key_pair()
    database = Database(f"sqlite:///{tmp_path / 'audit.sqlite'}")
    migrations.upgrade(database)
    database.checkpoints = Checkpoints(tmp_path / "checkpoints.log", signing, every=4)
    old_chain(database, "zgt", [utc(year, 6, day) for year in (2018, 2019, 2020) for day in (1, 2, 3)])
    for n in range(2):
        record(AuditEvent(Action.VIEW, "success", "zgt", data=f"Brief nu {n}"), database)
    yield database, tmp_path, Checkpoints(tmp_path / "checkpoints.log", verify_key=verify)
    database.dispose()


def _archive(database, tmp_path, before: date, name: str = "a.jsonl", **kwargs):
    options = {"today": TODAY, "zone": AMSTERDAM, "minimum_years": 5, "output": tmp_path / name, **kwargs}
    return archive_before(database, database.checkpoints, "zgt", before, **options)


def _seqs(database) -> list[int]:
    with database.engine.connect() as conn:
        return list(conn.execute(select(LOG.c.seq).where(LOG.c.tenant_id == "zgt").order_by(LOG.c.seq)).scalars())


def test_archive_writes_file_and_checkpoint_then_removes_and_verify_starts_after_it(archivable):
    database, tmp_path, auditor = archivable
    done = _archive(database, tmp_path, date(2019, 1, 1))
    assert (done.first_seq, done.last_seq) == (1, 3)
    assert _seqs(database) == list(range(4, 12))
    lines = (tmp_path / "a.jsonl").read_text(encoding="utf-8").splitlines()
    assert json.loads(lines[0])["format"] == "portal-audit-archive"
    assert [json.loads(line)["seq"] for line in lines[1:]] == [1, 2, 3]
    assert "Dr. Ö. Ünal" in lines[1]  # as written, not escaped
    [boundary] = [c for c in auditor.read("zgt") if c.kind == ARCHIVE]
    assert (boundary.seq, boundary.record_hash) == (3, done.last_hash)
    assert archived_until(database, "zgt").replace(tzinfo=timezone.utc) == utc(2018, 6, 3)
    full = run_verify(database, auditor, "zgt", full=True)
    assert full.result.intact, full.result.problem
    assert (full.result.first_seq, full.result.records, full.archived.seq) == (4, 8, 3)
    routine = run_verify(database, database.checkpoints, "zgt")
    assert routine.result.intact and "archive checkpoint at record 3" in routine.mode
    checked = verify_archive(tmp_path / "a.jsonl", auditor)
    assert checked.intact and (checked.first_seq, checked.last_seq, checked.checkpoint.seq) == (1, 3, 3)
    # A second archive continues where the first ended, and is checked against it.
    second = _archive(database, tmp_path, date(2020, 6, 2), "b.jsonl")
    assert (second.first_seq, second.last_seq) == (4, 7)  # 2020-06-01 00:00 UTC is before Dutch 06-02 00:00
    assert verify_archive(tmp_path / "b.jsonl", auditor).intact
    assert run_verify(database, auditor, "zgt", full=True).result.intact


def test_a_date_inside_the_minimum_retention_is_refused(archivable):
    database, tmp_path, _auditor = archivable
    with pytest.raises(ArchiveError, match="inside the minimum retention of 5 years.*2021-12-01"):
        _archive(database, tmp_path, date(2021, 12, 2))
    with pytest.raises(ArchiveError, match="minimum retention of 7 years"):
        _archive(database, tmp_path, date(2020, 1, 1), minimum_years=7)
    assert years_before(date(2028, 2, 29), 5) == date(2023, 2, 28)
    assert _seqs(database) == list(range(1, 12)) and not (tmp_path / "a.jsonl").exists()


def test_nothing_is_removed_when_the_archive_file_cannot_be_written(archivable):
    database, tmp_path, _auditor = archivable
    with pytest.raises(ArchiveError, match="archive file could not be written, nothing removed"):
        _archive(database, tmp_path, date(2019, 1, 1), output=tmp_path / "missing" / "a.jsonl")
    assert _seqs(database) == list(range(1, 12))


def test_nothing_is_removed_when_the_checkpoint_cannot_be_written(archivable):
    database, tmp_path, _auditor = archivable
    signing, _ = new_key_pair()
    database.checkpoints = Checkpoints(tmp_path / "no-such-folder" / "checkpoints.log", signing)
    with pytest.raises(ArchiveError, match="archive checkpoint could not be written, nothing removed"):
        _archive(database, tmp_path, date(2019, 1, 1))
    assert _seqs(database) == list(range(1, 12))


def test_a_broken_chain_is_not_archived(archivable, tampering):
    database, tmp_path, _auditor = archivable
    with tampering(database) as conn:
        conn.execute(text("UPDATE audit_log SET data = 'x' WHERE tenant_id = 'zgt' AND seq = 2"))
    with pytest.raises(ArchiveError, match="broken, nothing archived: record 2"):
        _archive(database, tmp_path, date(2019, 1, 1))
    assert _seqs(database) == list(range(1, 12))


def test_removed_records_without_a_signed_archive_checkpoint_are_caught(archivable, tmp_path):
    database, tmp_path, _auditor = archivable
    _archive(database, tmp_path, date(2019, 1, 1))
    signing, _ = new_key_pair()  # another checkpoint file: no archive checkpoint in it
    result = run_verify(database, Checkpoints(tmp_path / "other.log", signing), "zgt", full=True).result
    assert result.bad_seq == 1 and "records 1 to 3 are missing" in result.problem


def test_an_altered_or_cut_archive_is_caught(archivable):
    database, tmp_path, auditor = archivable
    _archive(database, tmp_path, date(2020, 1, 1))
    path = tmp_path / "a.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines()
    altered = tmp_path / "altered.jsonl"
    altered.write_text("\n".join([*lines[:2], lines[2].replace("Brief 2", "Brief 9"), *lines[3:]]) + "\n")
    assert "record 2 was altered" in verify_archive(altered, auditor).problem
    cut = tmp_path / "cut.jsonl"
    cut.write_text("\n".join(lines[:-1]) + "\n")
    assert "not the one a signed archive checkpoint names" in verify_archive(cut, auditor).problem
    with pytest.raises(ValueError, match="not an audit archive"):
        verify_archive(tmp_path / "checkpoints.log", auditor)


def test_the_database_deletes_only_archived_records(database, chain_tenant):
    """The triggers of migration 0009, on the test database (SQLite or PostgreSQL)."""
    from portal.audit.models import AuditArchive

    for n in range(3):
        record(AuditEvent(Action.VIEW, "success", chain_tenant, data=f"Brief {n}"), database)
    with pytest.raises(SQLAlchemyError), database.engine.begin() as conn:
        conn.execute(LOG.delete().where(LOG.c.tenant_id == chain_tenant, LOG.c.seq == 1))
    with database.engine.begin() as conn:
        conn.execute(insert(AuditArchive.__table__).values(
            tenant_id=chain_tenant, through_seq=2, through_hash="0" * 64, through_occurred_at=utc(2020, 1, 1),
            archived_at=utc(2026, 1, 1), file_name="a.jsonl"))
        conn.execute(LOG.delete().where(LOG.c.tenant_id == chain_tenant, LOG.c.seq <= 2))
    with pytest.raises(SQLAlchemyError), database.engine.begin() as conn:
        conn.execute(LOG.delete().where(LOG.c.tenant_id == chain_tenant, LOG.c.seq == 3))
    with pytest.raises(SQLAlchemyError), database.engine.begin() as conn:
        conn.execute(AuditArchive.__table__.delete().where(AuditArchive.__table__.c.tenant_id == chain_tenant))
    with database.engine.connect() as conn:
        assert conn.execute(select(func.count()).where(LOG.c.tenant_id == chain_tenant)).scalar() == 1


def test_retention_settings_are_validated():
    assert AuditConfig(retention_years=7, retention_max_years=20).retention_max_years == 20
    with pytest.raises(ValidationError, match="retention_max_years \\(6\\) must not be less than retention_years"):
        AuditConfig(retention_years=7, retention_max_years=6)
    with pytest.raises(ValidationError, match="greater than or equal to 5"):
        AuditConfig(retention_years=4)
