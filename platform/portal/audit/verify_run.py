"""One verify run as ``portal audit verify`` and ``checkpoint`` make it: which checkpoints to
trust and where to begin (routine or full), the walk, and the verified checkpoint at the end.

- **Routine** (the default): begins at the tenant's newest *vouching* checkpoint (a verified
  one, written by an earlier run that found records 1..N intact, or an archive boundary),
  checks that its record still has its hash, walks only the records after it, then the head.
  Only that checkpoint's signature and those of the checkpoints after it are checked. Cost:
  the records since the last run, whatever the length of the chain.
- **Full** (``full=True``, or when no vouching checkpoint exists yet): walks every record in the
  database and checks every line of the checkpoint file. It alone finds a record altered
  *before* the last verified checkpoint by someone who also recomputed the hashes up to it
  (the head and every later checkpoint still match): run it periodically.

When the chain is intact and this machine can sign, the run ends with a new verified
checkpoint at the head, where the next routine run begins.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..db import Database
from .checkpoints import ARCHIVE, VERIFIED, Checkpoint, Checkpoints
from .verify import Anchor, Start, VerifyResult, verify_chain

SIGNED = "a signed checkpoint"


@dataclass(frozen=True)
class VerifyRun:
    result: VerifyResult
    full: bool
    #: Why a full walk ran, or where a routine one began (English, for the command's output).
    mode: str
    checked: list[Checkpoint]  # the checkpoints whose signatures were checked and held against the chain
    archived: Checkpoint | None  # the newest archive boundary, if any was seen
    written: Checkpoint | None  # the verified checkpoint written at the end, if any
    note: str | None  # why none was written, or a warning


def run_verify(database: Database, checkpoints: Checkpoints | None, tenant_id: str, *, full: bool = False,
               anchor: Anchor | None = None, write: bool = True) -> VerifyRun:
    """Verify ``tenant_id``'s chain (see the module docstring). Raises ``CheckpointError``
    when the checkpoint file cannot be trusted, ``SQLAlchemyError`` when the database fails."""
    if checkpoints is None:
        result = verify_chain(database, tenant_id, anchor)
        return VerifyRun(result, True, "full: every record (no checkpoints configured)", [], None, None,
                         "warning: no audit checkpoints configured (PORTAL_AUDIT_CHECKPOINTS): a chain rewritten "
                         "by someone holding the database would not be noticed")
    start: Checkpoint | None = None
    if full:
        checked = checkpoints.read(tenant_id)
        mode = "full (--full): every record in the database and every checkpoint"
    else:
        start, checked = checkpoints.read_since_vouched(tenant_id)
        if start is None:
            checked = checkpoints.read(tenant_id)
            mode = "full: no verified checkpoint of this tenant yet, so every record"
        else:
            checked = [start, *checked]
            mode = (f"routine: from the {start.kind} checkpoint at record {start.seq} (signed {start.at}); "
                    "records up to it were found intact then ('--full' re-checks them)")
    archives = [c for c in checked if c.kind == ARCHIVE]
    result = verify_chain(
        database, tenant_id, anchor,
        start=Start(start.seq, start.record_hash, start.kind == ARCHIVE) if start else None,
        anchors=[Anchor(c.seq, c.record_hash, SIGNED) for c in checked],
        archives=[Anchor(c.seq, c.record_hash, SIGNED) for c in archives])
    archived = max(archives, key=lambda c: c.seq, default=None)
    if not result.intact or not write:
        return VerifyRun(result, start is None, mode, checked, archived, None, None)
    if not checkpoints.can_sign:
        note = ("no PORTAL_AUDIT_SIGNING_KEY here: no verified checkpoint written (the next run starts where "
                "this one did)")
        return VerifyRun(result, start is None, mode, checked, archived, None, note)
    if result.head_seq == 0 or (start is not None and start.kind == VERIFIED and start.seq == result.head_seq):
        return VerifyRun(result, start is None, mode, checked, archived, None,
                         "no new records since the last verified checkpoint: none written")
    written = checkpoints.write(tenant_id, result.head_seq, result.head_hash, VERIFIED)
    return VerifyRun(result, start is None, mode, checked, archived, written, None)
