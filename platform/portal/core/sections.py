"""One section of a page, loaded from the EPD on its own: when the EPD fails for it, the
section says so in Dutch and the rest of the page is still shown (never a 500).

A page with several sections loads them with ``load_many``: at the same time when the
connector says its calls gain from it (``concurrent_calls``, a connector that waits on a
network, such as the FHIR connector), so the page waits for its slowest call rather than
the sum; one by one otherwise (the demo EPD's reads are CPU on SQLite, where threads only
add work). Connectors are thread-safe by contract (``portal.epd.contract``) either way.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from flask import g, has_app_context

from .. import context
from ..epd.errors import EpdError, EpdUnavailable, ItemNotFound, PatientNotFound

if TYPE_CHECKING:
    from ..epd.contract import EpdConnector, PatientListMethod

log = logging.getLogger(__name__)

UNAVAILABLE = "Deze gegevens zijn op dit moment niet beschikbaar."
#: The connector attribute saying that its calls may, and should, run at the same time.
CONCURRENT = "concurrent_calls"
#: Threads shared by every request of the process: bounded, so a burst of pages cannot
#: open more connections to the hospital than this per process (the connector's own
#: pool bounds the HTTP calls further).
POOL_SIZE = 8
_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class Section:
    """What a connector call gave: its ``items``, or ``unavailable`` (then no items);
    ``unusable`` tells the EPD answered with data that can never be shown (``EpdBadData``)
    rather than not answering, so the screen must not say to try again later; ``error`` is
    what the connector raised (for a page that answers the failure as a whole)."""

    items: Sequence[Any]
    unavailable: bool = False
    unusable: bool = False
    error: EpdError | None = field(default=None, compare=False, repr=False)


def load(read: Callable[["EpdConnector"], Sequence[Any]], what: str,
         connector: "EpdConnector | None" = None) -> Section:
    """The one way a screen reads a section from the EPD: ``read`` is given the tenant's
    connector (typed by the contract, ``portal.epd.contract.EpdConnector``). ``what`` names
    the kind of data for the log, never patient data. ``PatientNotFound`` and
    ``ItemNotFound`` are not outages: they propagate, for the caller to answer 404.
    ``connector`` defaults to the request's (``portal.context``)."""
    try:
        return Section(tuple(read(connector if connector is not None else context.connector())))
    except (PatientNotFound, ItemNotFound):
        raise
    except EpdError as error:
        return _failed(error, what)


def _failed(error: EpdError, what: str) -> Section:
    log.warning("EPD error while loading %s: %s", what, type(error).__name__)
    return Section((), unavailable=True, unusable=note_problem(error) == "unusable", error=error)


def _shared_pool() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=POOL_SIZE, thread_name_prefix="portal-sections")
        return _pool


def load_many(reads: Mapping[str, tuple[Callable[["EpdConnector"], Sequence[Any]], str]],
              connector: "EpdConnector | None" = None) -> dict[str, Section]:
    """Several sections of one page, by key: ``reads`` maps a key to ``(read, what)`` as
    ``load`` takes them. Each section fails on its own as with ``load``; a
    ``PatientNotFound`` or ``ItemNotFound`` of any read propagates (the first in key order),
    after every read has ended, so no call outlives the request. Concurrent only when the
    connector has ``concurrent_calls`` set and there is more than one read."""
    epd = connector if connector is not None else context.connector()
    if len(reads) <= 1 or not getattr(epd, CONCURRENT, False) or threading.current_thread().name.startswith(
            "portal-sections"):
        return {key: load(read, what, epd) for key, (read, what) in reads.items()}
    # The reads run without the request context; what they raise is sorted out here, in
    # the request's thread (``note_problem`` writes ``g``).
    def run(read: Callable[["EpdConnector"], Sequence[Any]]) -> tuple[Any, ...]:
        return tuple(read(epd))

    futures = {key: _shared_pool().submit(run, read) for key, (read, _what) in reads.items()}
    outcomes: dict[str, tuple[Sequence[Any] | None, BaseException | None]] = {}
    for key, future in futures.items():
        try:
            outcomes[key] = (future.result(), None)
        except BaseException as exc:  # sorted out below, once every read has ended
            outcomes[key] = (None, exc)
    sections: dict[str, Section] = {}
    for key, (items, error) in outcomes.items():
        if isinstance(error, (PatientNotFound, ItemNotFound)) or (error and not isinstance(error, EpdError)):
            raise error
        sections[key] = _failed(error, reads[key][1]) if isinstance(error, EpdError) else Section(items or ())
    return sections


def note_problem(error: EpdError) -> str:
    """"unreachable" (``EpdUnavailable``: try again later) or "unusable" (data the EPD gave
    that can never be shown), also kept as ``g.epd_problem`` for ``ui.unavailable()`` on pages
    that do not pass their section. An outage elsewhere on the page wins: "try again later"
    is then true for it."""
    problem = "unreachable" if isinstance(error, EpdUnavailable) else "unusable"
    if has_app_context() and getattr(g, "epd_problem", None) != "unreachable":
        g.epd_problem = problem
    return problem


def patient_list(method: "PatientListMethod", patient_id: str) -> Section:
    """The section a per-patient list method fills, for pages that are data and name their
    method (``PatientListMethod``, checked by the type checker)."""
    return load(lambda epd: getattr(epd, method)(patient_id), method)
