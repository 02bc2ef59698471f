"""The access decision's EPD inputs (the patient summary), kept briefly per selection.

Every page of the selected patient is decided anew (``guard.patient_view``), on the
patient's consent and treatment relations from the EPD. Reading them before every page
costs a round trip to the EPD before the page's own read. Within one selection, the
summary the last decision used is reused for ``access.decision_cache_seconds`` (tenant
setting; 0: never): a consent withdrawn in the EPD takes effect within that time in a
session that already has the patient open. What is kept is only the EPD's input: the
provider's facts, the HAP origin and the emergency grants are read on every request, and
every page is still decided and audited.

Kept per process, keyed by tenant, session and *selection*: ``selection.select`` gives
every selection a fresh random id, so a new selection (or another patient) never finds an
entry and reads fresh, in every process at once; a session without one (no selection
made through the portal) is never served from here. Nothing leaves the process: no
patient data is written to the session row for it.
"""
from __future__ import annotations

import threading
import time
from collections import OrderedDict

from flask import session

from .. import context
from ..context import selection
from ..epd.models import PatientSummary

#: Entries kept per process: far more than the selections open in one worker's minute;
#: the least recently used go first.
MAX_ENTRIES = 4096

_entries: OrderedDict[tuple, tuple[float, PatientSummary]] = OrderedDict()
_lock = threading.Lock()


def _now() -> float:
    """Seconds on a clock that never goes back (a module function: tests move it)."""
    return time.monotonic()


def _key(patient_id: str) -> tuple | None:
    """The entry of ``patient_id`` in this session's current selection, or None when this
    request cannot use one (no session token, no selection id, another patient selected)."""
    token = getattr(session, "token", None)
    selected = selection.selection_id(patient_id)
    if not token or selected is None:
        return None
    return context.tenant().id, token, patient_id, selected


def _seconds() -> int:
    return context.tenant().access.decision_cache_seconds


def cached(patient_id: str) -> PatientSummary | None:
    """The summary the last decision of this selection used, if read less than
    ``decision_cache_seconds`` ago; else None (read the EPD)."""
    seconds = _seconds()
    key = _key(patient_id) if seconds > 0 else None
    if key is None:
        return None
    with _lock:
        entry = _entries.get(key)
        if entry is None:
            return None
        if _now() - entry[0] >= seconds:
            del _entries[key]
            return None
        _entries.move_to_end(key)
        return entry[1]


def keep(summary: PatientSummary) -> None:
    """Keep ``summary``, just read from the EPD, for the next decisions of this selection."""
    key = _key(summary.patient_id) if _seconds() > 0 else None
    if key is None:
        return
    with _lock:
        _entries[key] = (_now(), summary)
        _entries.move_to_end(key)
        while len(_entries) > MAX_ENTRIES:
            _entries.popitem(last=False)


def forget(patient_id: str) -> None:
    """Drop this selection's entry (the decision refused: the next attempt reads fresh)."""
    key = _key(patient_id)
    if key is not None:
        with _lock:
            _entries.pop(key, None)


def clear() -> None:
    """Drop every entry of this process (tests)."""
    with _lock:
        _entries.clear()
