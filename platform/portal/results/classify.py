"""Judging lab results against their reference range, and the graph's 12-month window.

Pure functions over view models, so the boundaries can be tested exactly.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime

from .. import context
from ..epd.models import LabResult, ResultFlag, flag_for


def classify(result: LabResult) -> ResultFlag | None:
    """LOW (shown blue) below the reference range, HIGH (red) above it, None inside it —
    a value exactly at a limit is normal. The lab's own judgement wins when it gave one."""
    if result.flag is not None:
        return result.flag
    return flag_for(result.numeric_value, result.reference_low, result.reference_high)


def local(moment: datetime) -> datetime:
    """``moment`` as naive hospital-local time (connectors may hand out either kind), in the
    hospital's zone, never the server's."""
    return context.clock_or_default().to_local(moment)


def months_back(moment: datetime, months: int) -> datetime:
    """The same day and time ``months`` calendar months earlier (the last day of a shorter month)."""
    total = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(total, 12)
    month += 1
    next_month = date(year + (month == 12), month % 12 + 1, 1)
    last_day = (next_month - date(year, month, 1)).days
    return moment.replace(year=year, month=month, day=min(moment.day, last_day))


#: "Bij toon grafiek worden enkel uitslagen in de afgelopen 12 maanden getoond."
GRAPH_MONTHS = 12


def graph_window(now: datetime) -> tuple[datetime, datetime]:
    """The period a lab graph shows, ending ``now`` (naive local time)."""
    return months_back(now, GRAPH_MONTHS), now


def graph_results(results: Iterable[LabResult], test: str, now: datetime) -> list[LabResult]:
    """The numeric results of ``test`` sampled inside the graph window, oldest first."""
    start, end = graph_window(now)
    chosen = [r for r in results if r.test == test and r.numeric_value is not None
              and start <= local(r.sampled_at) <= end]
    return sorted(chosen, key=lambda r: local(r.sampled_at))


def reference_band(results: Sequence[LabResult]) -> tuple[float | None, float | None] | None:
    """The reference range of the newest result (ranges can change over the years)."""
    if not results:
        return None
    newest = max(results, key=lambda r: local(r.sampled_at))
    if newest.reference_low is None and newest.reference_high is None:
        return None
    return newest.reference_low, newest.reference_high
