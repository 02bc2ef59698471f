"""One section of a page, loaded from the EPD on its own: when the EPD fails for it, the
section says so in Dutch and the rest of the page is still shown (never a 500)."""
from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flask import g, has_app_context

from .. import context
from ..epd.errors import EpdError, EpdUnavailable, ItemNotFound, PatientNotFound

if TYPE_CHECKING:
    from ..epd.contract import EpdConnector, PatientListMethod

log = logging.getLogger(__name__)

UNAVAILABLE = "Deze gegevens zijn op dit moment niet beschikbaar."


@dataclass(frozen=True, slots=True)
class Section:
    """What a connector call gave: its ``items``, or ``unavailable`` (then no items);
    ``unusable`` tells the EPD answered with data that can never be shown (``EpdBadData``)
    rather than not answering, so the screen must not say to try again later."""

    items: Sequence[Any]
    unavailable: bool = False
    unusable: bool = False


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
        log.warning("EPD error while loading %s: %s", what, type(error).__name__)
        return Section((), unavailable=True, unusable=note_problem(error) == "unusable")


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
