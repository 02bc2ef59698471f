"""One section of a page, loaded from the EPD on its own: when the EPD fails for it, the
section says so in Dutch and the rest of the page is still shown (never a 500)."""
from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..epd.errors import EpdError, ItemNotFound, PatientNotFound

log = logging.getLogger(__name__)

UNAVAILABLE = "Deze gegevens zijn op dit moment niet beschikbaar."


@dataclass(frozen=True, slots=True)
class Section:
    """What a connector call gave: its ``items``, or ``unavailable`` (then no items)."""

    items: Sequence[Any]
    unavailable: bool = False


def load(call: Callable[[], Sequence[Any]], what: str) -> Section:
    """Run ``call`` (a connector list method bound to its arguments). ``what`` names the
    kind of data for the log, never patient data. ``PatientNotFound`` and ``ItemNotFound``
    are not outages: they propagate, for the caller to answer 404."""
    try:
        return Section(tuple(call()))
    except (PatientNotFound, ItemNotFound):
        raise
    except EpdError as error:
        log.warning("EPD error while loading %s: %s", what, type(error).__name__)
        return Section((), unavailable=True)
