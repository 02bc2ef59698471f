"""``verify_chain``: re-check a tenant's whole chain and name the first bad record.

Checked, record by record in ``seq`` order: positions run 1, 2, 3, ... without gaps;
each record's ``prev_hash`` is the stored hash of the one before; each record's content
hashes to its stored ``record_hash``. Then the chain head must point at the last record
(same ``seq`` and hash), so deleting the newest records is found too. An optional
anchor (a ``seq`` and hash noted down earlier, outside the database) also catches a
chain rewritten from that point on by someone who recomputed every hash.
"""
from __future__ import annotations

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
class VerifyResult:
    tenant_id: str
    records: int
    head_seq: int
    head_hash: str
    problem: str | None = None
    bad_seq: int | None = None

    @property
    def intact(self) -> bool:
        return self.problem is None


def _describe(row) -> str:
    return f"record {row.seq} ({canonical_time(row.occurred_at)}, {row.action})"


def _first_bad_record(rows, anchor: Anchor | None) -> tuple[str | None, int | None, Any, int]:
    """Walk the rows in seq order: (problem, bad seq, last good row, number of good rows)."""
    expected, prev, last = 1, GENESIS_HASH, None
    for row in rows:
        if row.seq != expected:
            return (f"record {expected} is missing (deleted?): the next stored record is {row.seq}",
                    expected, last, expected - 1)
        if row.prev_hash != prev:
            return (f"{_describe(row)} does not link to record {row.seq - 1}: a record before it was deleted, "
                    "inserted, altered or reordered", row.seq, last, expected - 1)
        if record_hash(row._asdict()) != row.record_hash:
            return f"{_describe(row)} was altered: its content does not match its hash", row.seq, last, expected - 1
        if anchor is not None and row.seq == anchor.seq and row.record_hash != anchor.record_hash:
            return (f"{_describe(row)} differs from the anchor noted earlier: the chain was rewritten",
                    row.seq, last, expected - 1)
        prev, last, expected = row.record_hash, row, expected + 1
    return None, None, last, expected - 1


def verify_chain(database: Database, tenant_id: str, anchor: Anchor | None = None) -> VerifyResult:
    """Check ``tenant_id``'s chain; ``problem`` names the first bad record (None = intact).

    A tenant without records is intact (with head 0). Reads in batches, so memory stays
    flat for any length.
    """
    with database.engine.connect() as conn:
        head = conn.execute(select(_heads.c.seq, _heads.c.record_hash)
                            .where(_heads.c.tenant_id == tenant_id)).first()
        rows = conn.execution_options(yield_per=_BATCH).execute(
            select(_log).where(_log.c.tenant_id == tenant_id).order_by(_log.c.seq))
        with closing(rows):  # a server-side cursor on PostgreSQL: close it on an early return
            problem, bad_seq, last, count = _first_bad_record(rows, anchor)
    head_seq, head_hash = (head.seq, head.record_hash) if head else (0, GENESIS_HASH)

    def result(problem: str | None = None, bad_seq: int | None = None) -> VerifyResult:
        return VerifyResult(tenant_id, count, head_seq, head_hash, problem, bad_seq)

    if problem:
        return result(problem, bad_seq)
    if head is None and last is not None:
        return result("the chain head is missing (deleted?) while records exist", 1)
    if head_seq > count:
        return result(f"record {count + 1} is missing (deleted?): the chain head says the newest record is "
                      f"{head_seq}, the log ends at {count}", count + 1)
    if head_seq < count:
        return result(f"record {head_seq + 1} was inserted after the chain head (record {head_seq})", head_seq + 1)
    if last is not None and head_hash != last.record_hash:
        return result(f"{_describe(last)} does not match the chain head's hash: it was replaced", last.seq)
    if anchor is not None and anchor.seq > count:
        return result(f"record {anchor.seq} (the anchor) is missing: the log ends at {count}", count + 1)
    return result()
