"""``verify_chain``: re-check a tenant's chain, or the part after a point vouched for earlier,
and name the first bad record.

Checked, record by record in ``seq`` order: positions run on without gaps; each record's
``prev_hash`` is the stored hash of the one before; each record's content hashes to its
stored ``record_hash``. Then the chain head must point at the last record (same ``seq`` and
hash), so deleting the newest records is found too. Anchors (positions and hashes noted
outside the database: signed checkpoints, a hand-noted ``--anchor``) also catch a chain
rewritten from that point on by someone who recomputed every hash.

Where the walk begins:

- ``start=None`` (full): at the first record in the database. That is record 1, or, after an
  archive, the record after an archive boundary (``archives``: the signed archive
  checkpoints), whose ``prev_hash`` must be the boundary's hash.
- ``start=Start(...)`` (routine): at a checkpoint a verify or archive run signed after finding
  records 1..seq intact. The record at ``start.seq`` must still have its hash (or, when it was
  archived since, the next record must link to it); only the records after it are walked.

Reads one snapshot (PostgreSQL REPEATABLE READ, SQLite a read transaction), so records
appended while it runs are neither missing nor "inserted after the head".
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from contextlib import closing
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from ..db import Database, table_of
from .chain import GENESIS_HASH, canonical_time, record_hash
from .models import AuditChainHead, AuditRecord

_log = table_of(AuditRecord)
_heads = table_of(AuditChainHead)
_BATCH = 20_000


@dataclass(frozen=True)
class Anchor:
    seq: int
    record_hash: str
    #: How a problem names it ("the anchor", "a signed checkpoint").
    label: str = "the anchor"

    @classmethod
    def parse(cls, text: str) -> "Anchor":
        """``"SEQ:HASH"`` as ``portal audit verify`` prints it; ValueError otherwise."""
        seq, _, digest = text.partition(":")
        digest = digest.strip().lower()
        hexadecimal = len(digest) == 64 and all(c in "0123456789abcdef" for c in digest)
        if not seq.strip().isdigit() or int(seq) < 1 or not hexadecimal:
            raise ValueError("an anchor is SEQ:HASH, e.g. 1234:<64 hexadecimal characters>")
        return cls(int(seq), digest)


@dataclass(frozen=True)
class Start:
    """Where a routine verify begins: records 1..seq were vouched intact (signed).
    ``archived``: the checkpoint is an archive boundary, so record ``seq`` may be gone."""

    seq: int
    record_hash: str
    archived: bool = False


@dataclass(frozen=True)
class VerifyResult:
    tenant_id: str
    records: int  # records walked in this run
    head_seq: int
    head_hash: str
    problem: str | None = None
    bad_seq: int | None = None
    first_seq: int | None = None  # the first record walked (None: none)

    @property
    def intact(self) -> bool:
        return self.problem is None


def _describe(row) -> str:
    return f"record {row.seq} ({canonical_time(row.occurred_at)}, {row.action})"


class _Broken(Exception):
    def __init__(self, problem: str, seq: int):
        super().__init__(problem)
        self.problem, self.seq = problem, seq


class _Walk:
    """The state of one walk: checks each row as it comes (``see``), remembers the last good one."""

    def __init__(self, start: Start | None, archives: Mapping[int, str], anchors: Mapping[int, list[Anchor]]):
        self.start, self.archives, self.anchors = start, archives, anchors
        self.expected: int | None = None
        self.prev = GENESIS_HASH
        self.last_seq = start.seq if start else 0
        self.last_hash = start.record_hash if start else GENESIS_HASH
        self.first_seq: int | None = None
        self.count = 0

    def _enter(self, row) -> None:
        """The first row: where the chain (or this run) begins, and what it must link to."""
        start = self.start
        if start is None:
            if row.seq == 1:
                self.expected, self.prev = 1, GENESIS_HASH
            elif row.seq - 1 in self.archives:
                self.expected, self.prev = row.seq, self.archives[row.seq - 1]
            else:
                raise _Broken(f"records 1 to {row.seq - 1} are missing (deleted?) and no signed archive "
                              f"checkpoint says they were archived: the log starts at {row.seq}", 1)
        elif row.seq == start.seq:
            if row.record_hash != start.record_hash:
                raise _Broken(f"{_describe(row)} differs from the verified checkpoint a verify run signed: "
                              "the chain was rewritten", row.seq)
            self.expected, self.prev = row.seq, row.prev_hash  # its link was vouched for by that run
        elif start.archived and row.seq == start.seq + 1:
            self.expected, self.prev = row.seq, start.record_hash
        else:
            raise _Broken(f"record {start.seq} (the verified checkpoint this run starts from) is missing "
                          f"(deleted?): the next stored record is {row.seq}", start.seq)
        self.first_seq = row.seq

    def see(self, row) -> None:
        if self.expected is None:
            self._enter(row)
        expected = self.expected or 1
        if row.seq != expected:
            raise _Broken(f"record {expected} is missing (deleted?): the next stored record is {row.seq}", expected)
        if row.prev_hash != self.prev:
            raise _Broken(f"{_describe(row)} does not link to record {row.seq - 1}: a record before it was "
                          "deleted, inserted, altered or reordered", row.seq)
        if record_hash(row._asdict()) != row.record_hash:
            raise _Broken(f"{_describe(row)} was altered: its content does not match its hash", row.seq)
        for anchor in self.anchors.get(row.seq, ()):
            if row.record_hash != anchor.record_hash:
                raise _Broken(f"{_describe(row)} differs from {anchor.label} noted earlier: the chain was rewritten",
                              row.seq)
        self.prev, self.expected = row.record_hash, row.seq + 1
        self.last_seq, self.last_hash, self.count = row.seq, row.record_hash, self.count + 1


def _by_seq(anchors: Iterable[Anchor]) -> dict[int, list[Anchor]]:
    found: dict[int, list[Anchor]] = {}
    for anchor in anchors:
        found.setdefault(anchor.seq, []).append(anchor)
    return found


def verify_chain(database: Database, tenant_id: str, anchor: Anchor | None = None, *,
                 start: Start | None = None, anchors: Iterable[Anchor] = (),
                 archives: Iterable[Anchor] = ()) -> VerifyResult:
    """Check ``tenant_id``'s chain from the beginning (``start=None``) or from ``start``;
    ``problem`` names the first bad record (None = intact).

    ``anchor`` and ``anchors`` must each still be in the chain, unless below where the walk
    begins (archived, or vouched for by ``start``). ``archives``: the signed archive
    boundaries (seq and hash of the last archived record). A tenant without records is
    intact (head 0). Reads in batches, so memory stays flat for any length.
    """
    expected = _by_seq([*anchors, *([anchor] if anchor else [])])
    boundaries = {a.seq: a.record_hash for a in archives}
    walk = _Walk(start, boundaries, expected)
    query = select(_log).where(_log.c.tenant_id == tenant_id)
    if start is not None:
        query = query.where(_log.c.seq >= start.seq)
    problem: _Broken | None = None
    with _snapshot(database) as conn:
        head = conn.execute(select(_heads.c.seq, _heads.c.record_hash)
                            .where(_heads.c.tenant_id == tenant_id)).first()
        rows = conn.execution_options(yield_per=_BATCH).execute(query.order_by(_log.c.seq))
        with closing(rows):  # a server-side cursor on PostgreSQL: close it on an early return
            try:
                for row in rows:
                    walk.see(row)
            except _Broken as broken:
                problem = broken
    head_seq, head_hash = (head.seq, head.record_hash) if head else (0, GENESIS_HASH)

    def result(problem: str | None = None, bad_seq: int | None = None) -> VerifyResult:
        return VerifyResult(tenant_id, walk.count, head_seq, head_hash, problem, bad_seq, walk.first_seq)

    if problem:
        return result(problem.problem, problem.seq)
    if start is not None and not start.archived and walk.first_seq is None:
        return result(f"record {start.seq} (the verified checkpoint this run starts from) is missing (deleted?)",
                      start.seq)
    last_seq, last_hash = walk.last_seq, walk.last_hash
    if start is None and walk.first_seq is None and boundaries:  # everything archived
        last_seq = max(boundaries)
        last_hash = boundaries[last_seq]
    if head is None and last_seq:
        return result("the chain head is missing (deleted?) while records exist", 1)
    if head_seq > last_seq:
        return result(f"record {last_seq + 1} is missing (deleted?): the chain head says the newest record is "
                      f"{head_seq}, the log ends at {last_seq}", last_seq + 1)
    if head_seq < last_seq:
        return result(f"record {head_seq + 1} was inserted after the chain head (record {head_seq})", head_seq + 1)
    if head_hash != last_hash:
        return result(f"record {last_seq} does not match the chain head's hash: it was replaced", last_seq)
    beyond = [a for a in expected if a > last_seq]
    if beyond:
        missing = expected[min(beyond)][0]
        return result(f"record {missing.seq} ({missing.label}) is missing: the log ends at {last_seq}",
                      last_seq + 1)
    return result()


class _snapshot:
    """A connection reading one consistent snapshot (see the module docstring)."""

    def __init__(self, database: Database):
        self.database = database

    def __enter__(self) -> Any:
        self.conn = self.database.engine.connect()
        if self.database.dialect == "postgresql":
            self.conn = self.conn.execution_options(isolation_level="REPEATABLE READ")
        else:
            self.conn.exec_driver_sql("BEGIN")  # pysqlite would not begin one for reads
        return self.conn

    def __exit__(self, *_exc) -> None:
        try:
            self.conn.rollback()
        finally:
            self.conn.close()
