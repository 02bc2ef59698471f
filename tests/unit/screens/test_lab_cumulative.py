"""The cumulative lab view: rows per test grouped as the lab groups them, columns per sampling
moment newest first, paged by date; the page shows each cell coloured and marked as the list does."""
from __future__ import annotations

from datetime import datetime, timedelta

from portal.epd.models import LabResult, OrderedBy
from portal.results.cumulative import UNGROUPED, cumulative

BASE = datetime(2025, 6, 1, 9, 0)


def lab(test: str, value: float, at: datetime, group: str | None = "Klinische chemie", *,
        reported: datetime | None = None, low: float = 4.0, high: float = 6.0) -> LabResult:
    return LabResult(id=f"{test}-{at:%Y%m%d%H%M}-{value}", test=test, group=group, value=str(value),
                     numeric_value=value, unit="mmol/l", reference_low=low, reference_high=high,
                     reference_text=f"{low} - {high}", flag=None, sampled_at=at, reported_at=reported,
                     ordered_by=OrderedBy.HOSPITAL)


def test_groups_rows_and_columns_newest_first():
    results = [
        lab("Natrium", 140, BASE, low=135, high=145), lab("Kalium", 4.1, BASE),
        lab("Kalium", 6.5, BASE + timedelta(days=2)),
        lab("Hemoglobine", 8.0, BASE + timedelta(days=1), "Hematologie", low=8.5, high=11.0),
        lab("Vreemd", 1.0, BASE + timedelta(days=2, seconds=20), None),  # the same tube, seconds apart
    ]
    table = cumulative(results, 1)
    assert table.moments.items == (BASE + timedelta(days=2), BASE + timedelta(days=1), BASE)
    assert [g.name for g in table.groups] == ["Hematologie", "Klinische chemie", UNGROUPED]
    chemistry = table.groups[1]
    assert [r.test for r in chemistry.rows] == ["Kalium", "Natrium"]
    kalium, natrium = chemistry.rows
    assert [c.value if c else None for c in kalium.cells] == ["6.5", None, "4.1"]
    assert [c.value if c else None for c in natrium.cells] == [None, None, "140"]
    assert natrium.reference_text == "135 - 145" and kalium.unit == "mmol/l"
    assert table.groups[2].rows[0].cells[0] is not None


def test_paged_by_sampling_moment_and_only_tests_with_a_value_on_the_page():
    results = [lab("Kalium", 4.0 + i / 10, BASE + timedelta(days=i)) for i in range(10)]
    results.append(lab("Natrium", 140, BASE, low=135, high=145))  # only on the oldest moment
    first, second = cumulative(results, 1, per_page=8), cumulative(results, 2, per_page=8)
    assert first.moments.pages == 2 and first.moments.total == 10
    assert first.moments.items[0] == BASE + timedelta(days=9) and len(first.moments.items) == 8
    assert second.moments.items == (BASE + timedelta(days=1), BASE)
    assert [r.test for g in first.groups for r in g.rows] == ["Kalium"]
    assert [r.test for g in second.groups for r in g.rows] == ["Kalium", "Natrium"]
    assert cumulative(results, 99, per_page=8).moments.page == 2  # a stale page number is clamped


def test_a_later_report_of_the_same_moment_replaces_the_first():
    first = lab("Kalium", 9.9, BASE, reported=BASE + timedelta(hours=1))
    correction = lab("Kalium", 4.4, BASE, reported=BASE + timedelta(hours=3))
    table = cumulative([correction, first], 1)
    assert table.groups[0].rows[0].cells[0].value == "4.4"


def test_empty():
    table = cumulative([], 1)
    assert table.groups == () and table.moments.items == () and table.moments.pages == 1
