"""The cumulative lab view ("cumulatief"): one row per test (bepaling), grouped as the lab
groups them, one column per sampling moment (afnamemoment), newest first.

Pure functions over view models, so grouping, order and paging can be tested exactly.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from ..core.paging import Page, paginate
from ..epd.models import LabResult
from .classify import local

#: Sampling moments per page: what fits a screen and a printed A4 page in landscape.
MOMENTS_PER_PAGE = 8
#: The heading of the tests the lab gave no group.
UNGROUPED = "Overig"


@dataclass(frozen=True, slots=True)
class CumulativeRow:
    """One test: its unit and reference range as the newest result gives them, and one cell
    per column of the page (None where the test was not determined at that moment)."""

    test: str
    unit: str | None
    reference_text: str | None
    cells: tuple[LabResult | None, ...]


@dataclass(frozen=True, slots=True)
class CumulativeGroup:
    name: str
    rows: tuple[CumulativeRow, ...]


@dataclass(frozen=True, slots=True)
class CumulativeTable:
    """``moments`` is the page of sampling moments (newest first) heading the columns;
    ``groups`` only hold tests with a value on this page."""

    moments: Page[datetime]
    groups: tuple[CumulativeGroup, ...]


def moment_of(result: LabResult) -> datetime:
    """A result's sampling moment: hospital-local wall time to the minute, so that the tests
    of one tube share a column."""
    return local(result.sampled_at).replace(second=0, microsecond=0)


def cumulative(results: Iterable[LabResult], page: int, per_page: int = MOMENTS_PER_PAGE) -> CumulativeTable:
    """The cumulative table of ``results``, paged by date: page 1 holds the newest
    ``per_page`` sampling moments. Groups follow the lab's group names alphabetically, the
    ungrouped tests last under "Overig"; tests alphabetically within a group. Two results of
    one test at one moment: the one reported last wins (a correction replaces the first)."""
    results = list(results)
    moments = paginate(sorted({moment_of(r) for r in results}, reverse=True), page, per_page)
    column = {moment: index for index, moment in enumerate(moments.items)}
    by_test: dict[tuple[str, str], dict[int, LabResult]] = {}
    newest: dict[tuple[str, str], LabResult] = {}
    for result in sorted(results, key=_reported_order):
        key = (result.group or UNGROUPED, result.test)
        if key not in newest or moment_of(result) >= moment_of(newest[key]):
            newest[key] = result
        index = column.get(moment_of(result))
        if index is not None:
            by_test.setdefault(key, {})[index] = result
    groups: dict[str, list[CumulativeRow]] = {}
    for key in sorted(by_test, key=_group_order):
        cells = by_test[key]
        latest = newest[key]
        groups.setdefault(key[0], []).append(CumulativeRow(
            test=key[1], unit=latest.unit, reference_text=latest.reference_text,
            cells=tuple(cells.get(i) for i in range(len(moments.items)))))
    return CumulativeTable(moments=moments,
                           groups=tuple(CumulativeGroup(name, tuple(rows)) for name, rows in groups.items()))


def _reported_order(result: LabResult) -> tuple[datetime, datetime]:
    reported = result.reported_at or result.sampled_at
    return local(result.sampled_at), local(reported)


def _group_order(key: tuple[str, str]) -> tuple[bool, str, str]:
    group, test = key
    return group == UNGROUPED, group.casefold(), test.casefold()
