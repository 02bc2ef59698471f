"""Archiving records past the minimum retention, without ever dropping one silently.

``archive_before(...)`` (``portal audit archive --before DATE``), in this order:

1. refuses a date inside the tenant's minimum retention (``audit.retention_years``) and runs
   a routine verify: a broken chain is never archived;
2. writes the tenant's oldest records, up to the last one before DATE (the hospital's
   midnight) and never past a younger one, to an archive file: JSON lines, first a header,
   then each record with every hashed field and both hashes, so the file can be re-checked
   on its own (``verify_archive``); written to ``FILE.part``, synced, then renamed;
3. appends a signed *archive* checkpoint naming the last archived record's seq and hash;
4. only then, in one transaction, records the archive in ``audit_archives`` and deletes the
   records (the database deletes none that such a row does not cover).

A failure in 1-3 removes nothing; a failure in 4 leaves the records (and the file and
checkpoint, which do no harm: verify accepts records still present up to an archive
checkpoint, and archiving again writes a new file). ``verify`` starts after the archive.
"""
from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, insert, select

from ..db import Database, table_of
from .chain import GENESIS_HASH, HASHED_FIELDS, canonical_time, record_hash
from .checkpoints import ARCHIVE, Checkpoint, Checkpoints
from .models import AuditArchive, AuditRecord
from .verify_run import run_verify

FORMAT = "portal-audit-archive"
_log = table_of(AuditRecord)
_archives = table_of(AuditArchive)


class ArchiveError(Exception):
    """Archiving refused or failed before anything was removed (English message)."""


@dataclass(frozen=True)
class Archived:
    first_seq: int
    last_seq: int
    last_hash: str
    first_at: datetime
    last_at: datetime
    path: Path
    checkpoint: Checkpoint


def years_before(day: date, years: int) -> date:
    """``day`` minus whole years (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def archived_until(database: Database, tenant_id: str) -> datetime | None:
    """When the newest archived record of the tenant was written (UTC), or None."""
    with database.engine.connect() as conn:
        return conn.execute(select(func.max(_archives.c.through_occurred_at))
                            .where(_archives.c.tenant_id == tenant_id)).scalar()


def oldest_record_at(database: Database, tenant_id: str) -> datetime | None:
    """The time of the oldest record still in the database (by the primary key: cheap)."""
    with database.engine.connect() as conn:
        value = conn.execute(select(_log.c.occurred_at).where(_log.c.tenant_id == tenant_id)
                             .order_by(_log.c.seq).limit(1)).scalar()
    return _utc(value) if value is not None else None


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def _record_line(row) -> dict:
    line = {name: getattr(row, name) for name in HASHED_FIELDS}
    line["occurred_at"] = canonical_time(row.occurred_at)
    line["record_hash"] = row.record_hash
    return line


def archive_before(database: Database, checkpoints: Checkpoints | None, tenant_id: str, before: date, *,
                   today: date, zone: ZoneInfo, minimum_years: int, output: Path) -> Archived:
    """Archive ``tenant_id``'s records written before ``before`` (a day in ``zone``) to
    ``output`` (see the module docstring). Raises ``ArchiveError`` (nothing removed) or, in
    the last step, ``SQLAlchemyError`` (nothing removed either: one transaction)."""
    limit = years_before(today, minimum_years)
    if before > limit:
        raise ArchiveError(f"{before} is inside the minimum retention of {minimum_years} years "
                           f"(audit.retention_years): the latest date allowed today is {limit}")
    if checkpoints is None or not checkpoints.can_sign:
        raise ArchiveError("archiving needs signed checkpoints: set PORTAL_AUDIT_CHECKPOINTS and "
                           "PORTAL_AUDIT_SIGNING_KEY")
    if output.exists() or output.with_name(output.name + ".part").exists():
        raise ArchiveError(f"{output} exists already: archives are never overwritten")
    verified = run_verify(database, checkpoints, tenant_id, write=False).result
    if not verified.intact:
        raise ArchiveError(f"the audit chain is broken, nothing archived: {verified.problem}")
    cut = datetime.combine(before, time.min, zone).astimezone(timezone.utc)
    written = _write_file(database, tenant_id, before, cut, output)
    if written is None:
        raise ArchiveError(f"tenant '{tenant_id}' has no records from before {before} in the database")
    first, last = written
    try:
        checkpoint = checkpoints.write(tenant_id, last.seq, last.record_hash, ARCHIVE)
    except OSError as exc:
        raise ArchiveError(f"the archive checkpoint could not be written, nothing removed "
                           f"(the archive file {output} may be deleted): {exc}") from exc
    with database.engine.begin() as conn:
        conn.execute(insert(_archives).values(
            tenant_id=tenant_id, through_seq=last.seq, through_hash=last.record_hash,
            through_occurred_at=_utc(last.occurred_at), archived_at=datetime.now(timezone.utc),
            file_name=output.name[:255]))
        conn.execute(delete(_log).where(_log.c.tenant_id == tenant_id, _log.c.seq >= first.seq,
                                        _log.c.seq <= last.seq))
    return Archived(first.seq, last.seq, last.record_hash, _utc(first.occurred_at), _utc(last.occurred_at), output,
                    checkpoint)


def _write_file(database: Database, tenant_id: str, before: date, cut: datetime, output: Path):
    """Write the records before ``cut`` to ``output``: (first row, last row), or None when
    there are none (and no file). Stops at the first record at or after ``cut``, so a
    record is never archived when a younger one comes before it."""
    part = output.with_name(output.name + ".part")
    first = last = None
    with database.engine.connect() as conn:
        rows = conn.execution_options(yield_per=20_000).execute(
            select(_log).where(_log.c.tenant_id == tenant_id).order_by(_log.c.seq))
        try:
            with part.open("x", encoding="utf-8") as file:
                header = {"format": FORMAT, "v": 1, "tenant": tenant_id, "before": before.isoformat(),
                          "created": canonical_time(datetime.now(timezone.utc))}
                file.write(json.dumps(header, ensure_ascii=False, separators=(",", ":")) + "\n")
                for row in rows:
                    if _utc(row.occurred_at) >= cut:
                        break
                    file.write(json.dumps(_record_line(row), ensure_ascii=False, separators=(",", ":")) + "\n")
                    first, last = (row if first is None else first), row
                file.flush()
                os.fsync(file.fileno())
        except OSError as exc:
            part.unlink(missing_ok=True)
            raise ArchiveError(f"the archive file could not be written, nothing removed: {exc}") from exc
        finally:
            rows.close()
    if last is None:
        part.unlink()
        return None
    try:
        part.rename(output)
        directory = os.open(output.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
    except OSError as exc:
        raise ArchiveError(f"the archive file could not be written, nothing removed: {exc}") from exc
    return first, last


@dataclass(frozen=True)
class ArchiveCheck:
    tenant_id: str
    records: int
    first_seq: int | None
    last_seq: int | None
    first_at: str | None
    last_at: str | None
    problem: str | None = None
    checkpoint: Checkpoint | None = None  # the signed archive checkpoint its last record matches
    note: str | None = None

    @property
    def intact(self) -> bool:
        return self.problem is None


def _lines(path: Path) -> Iterator[tuple[int, dict]]:
    with path.open(encoding="utf-8") as file:
        for number, line in enumerate(file, start=1):
            if line.strip():
                yield number, json.loads(line)


def verify_archive(path: Path, checkpoints: Checkpoints | None) -> ArchiveCheck:
    """Re-check an archive file: every record's hash and link, in order; the first record
    links to record 0 (genesis) or to an earlier archive checkpoint; the last record is the
    one a signed archive checkpoint names. Raises ``CheckpointError`` when the checkpoint file
    cannot be trusted; ``ValueError`` when the file is not an archive."""
    lines = _lines(path)
    try:
        _number, header = next(lines)
    except (StopIteration, json.JSONDecodeError):
        raise ValueError(f"{path} is not an audit archive (no header line)") from None
    if header.get("format") != FORMAT or header.get("v") != 1:
        raise ValueError(f"{path} is not an audit archive (header {header!r:.80})")
    tenant_id = str(header["tenant"])
    signed = [c for c in checkpoints.read(tenant_id) if c.kind == ARCHIVE] if checkpoints else []
    boundaries = {c.seq: c.record_hash for c in signed}
    count, expected, first, prev, last = 0, 0, None, None, None

    def result(problem: str | None = None, **extra) -> ArchiveCheck:
        return ArchiveCheck(tenant_id, count, first and first["seq"], last and last["seq"],
                            first and first["occurred_at"], last and last["occurred_at"], problem, **extra)

    try:
        for number, data in lines:
            fields = {**data, "occurred_at": datetime.fromisoformat(data["occurred_at"].replace("Z", "+00:00"))}
            if first is None:
                first = data
                prev = GENESIS_HASH if data["seq"] == 1 else boundaries.get(data["seq"] - 1)
                if prev is None and checkpoints is not None:
                    return result(f"line {number}: record {data['seq']} follows no signed archive checkpoint "
                                  f"(record {data['seq'] - 1})")
            elif data["seq"] != expected:
                return result(f"line {number}: record {expected} is missing: the next is {data['seq']}")
            if prev is not None and data["prev_hash"] != prev:
                return result(f"line {number}: record {data['seq']} does not link to the record before it")
            if record_hash(fields) != data["record_hash"]:
                return result(f"line {number}: record {data['seq']} was altered: its content does not match its hash")
            prev, last, count, expected = data["record_hash"], data, count + 1, data["seq"] + 1
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        return result(f"not a record line ({type(exc).__name__}: {exc})")
    if last is None:
        return result("the archive holds no records")
    if checkpoints is None:
        return result(note="warning: no audit checkpoints configured (PORTAL_AUDIT_CHECKPOINTS): only the "
                           "records' own hashes were checked, not that this is the archive that was signed")
    match = next((c for c in signed if c.seq == last["seq"]), None)
    if match is None or match.record_hash != last["record_hash"]:
        return result(f"record {last['seq']}, the last in the archive, is not the one a signed archive checkpoint "
                      "names: the archive was cut short or rewritten")
    return result(checkpoint=match)
