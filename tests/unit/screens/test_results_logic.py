"""Classification at the reference limits, the graph's 12-month window, and the SVG chart."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from portal.epd.models import LabResult, OrderedBy, ResultFlag
from portal.results import charts
from portal.results.classify import classify, graph_results, graph_window, months_back, reference_band


def lab(
    value: float | None, low=4.0, high=6.0, *, flag=None, test="Kalium", at=datetime(2025, 6, 1, 9, 0)
) -> LabResult:
    return LabResult(id="1", test=test, group=None, value=str(value), numeric_value=value, unit="mmol/l",
                     reference_low=low, reference_high=high, reference_text=f"{low} - {high}", flag=flag,
                     sampled_at=at, reported_at=None, ordered_by=OrderedBy.HOSPITAL)


@pytest.mark.parametrize(("value", "expected"), [
    (3.99, ResultFlag.LOW), (4.0, None), (5.0, None), (6.0, None), (6.01, ResultFlag.HIGH), (None, None)])
def test_exactly_at_a_limit_is_normal(value, expected):
    assert classify(lab(value)) is expected


def test_one_sided_ranges_and_the_labs_own_flag():
    assert classify(lab(11.0, low=None, high=10.0)) is ResultFlag.HIGH
    assert classify(lab(1.0, low=None, high=10.0)) is None
    assert classify(lab(59.0, low=60.0, high=None)) is ResultFlag.LOW
    assert classify(lab(5.0, flag=ResultFlag.HIGH)) is ResultFlag.HIGH  # the lab judged it


@pytest.mark.parametrize(("moment", "expected"), [
    (datetime(2025, 6, 15, 10, 30), datetime(2024, 6, 15, 10, 30)),
    (datetime(2024, 2, 29), datetime(2023, 2, 28)),
    (datetime(2025, 1, 31), datetime(2024, 1, 31)),
])
def test_twelve_months_back(moment, expected):
    assert months_back(moment, 12) == expected


def test_months_back_clamps_to_the_shorter_month():
    assert months_back(datetime(2025, 3, 31), 1) == datetime(2025, 2, 28)
    assert months_back(datetime(2025, 1, 15), 13) == datetime(2023, 12, 15)


def test_graph_takes_the_tests_numeric_values_of_the_last_twelve_months_oldest_first():
    now = datetime(2025, 6, 15, 12, 0)
    start, end = graph_window(now)
    results = [lab(5.0, at=start - timedelta(minutes=1)), lab(5.1, at=start), lab(5.2, at=now - timedelta(days=1)),
               lab(5.3, at=now + timedelta(minutes=1)), lab(5.4, test="Natrium", at=now), lab(None, at=now),
               lab(5.5, at=(now - timedelta(days=30)).replace(tzinfo=None).astimezone(timezone.utc))]
    chosen = graph_results(results, "Kalium", now)
    assert [r.numeric_value for r in chosen] == [5.1, 5.5, 5.2]


def test_reference_band_is_the_newest_results():
    old, new = lab(5.0, 3.5, 5.0, at=datetime(2024, 1, 1)), lab(5.0, 3.6, 5.1, at=datetime(2025, 1, 1))
    assert reference_band([new, old]) == (3.6, 5.1)
    assert reference_band([lab(1.0, None, None)]) is None
    assert reference_band([]) is None


def test_chart_is_accessible_and_escapes_text():
    points = [charts.ChartPoint(datetime(2025, 1, 1), 3.0, "3 <mmol>", ResultFlag.LOW),
              charts.ChartPoint(datetime(2025, 3, 1), 5.0, "5 mmol/l")]
    svg = str(charts.line_chart(points, chart_id="c1", title="Kalium <b>", description="Twee waarden & een band",
                                start=datetime(2024, 12, 1), end=datetime(2025, 4, 1), band=(3.5, 5.0)))
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg"') and 'role="img"' in svg
    assert '<title id="c1-title">Kalium &lt;b&gt;</title>' in svg
    assert '<desc id="c1-desc">Twee waarden &amp; een band</desc>' in svg
    assert "3 &lt;mmol&gt;" in svg and "<b>" not in svg
    assert svg.count("<circle") == 2 and 'chart-point chart-point-low' in svg
    assert "style=" not in svg and "<script" not in svg
    assert ">jan 25<" in svg and ">mrt 25<" in svg


def test_chart_band_lies_between_its_limits():
    points = [charts.ChartPoint(datetime(2025, 1, 1), 0.0, "0"), charts.ChartPoint(datetime(2025, 2, 1), 10.0, "10")]
    svg = str(charts.line_chart(points, chart_id="c", title="t", description="d", start=datetime(2025, 1, 1),
                                end=datetime(2025, 2, 1), band=(2.0, 8.0)))
    import re

    rect = re.search(r'<rect class="chart-band" x="\d+" y="([\d.]+)" width="\d+" height="([\d.]+)"', svg)
    circles = [float(y) for y in re.findall(r'cy="([\d.]+)"', svg)]
    top, height = float(rect.group(1)), float(rect.group(2))
    # y grows downwards: the 10 point is above the band's top, the 0 point below its bottom.
    assert min(circles) < top and max(circles) > top + height


def test_axis_of_non_negative_values_starts_at_zero_not_below():
    points = [charts.ChartPoint(datetime(2025, 1, 1), 0.1, "0,1"),
              charts.ChartPoint(datetime(2025, 2, 1), 19.7, "19,7")]
    svg = str(charts.line_chart(points, chart_id="c", title="CRP", description="d", start=datetime(2025, 1, 1),
                                end=datetime(2025, 2, 1), band=(0.0, 10.0)))
    import re

    ticks = [t for t in re.findall(r'<text class="chart-label"[^>]*text-anchor="end"[^>]*>([^<]+)<', svg)]
    assert ticks and not any(t.startswith("-") for t in ticks), ticks
    negative = [charts.ChartPoint(datetime(2025, 1, 1), -2.0, "-2"), charts.ChartPoint(datetime(2025, 2, 1), 3.0, "3")]
    svg = str(charts.line_chart(negative, chart_id="n", title="BE", description="d", start=datetime(2025, 1, 1),
                                end=datetime(2025, 2, 1)))
    labels = re.findall(r'<text class="chart-label"[^>]*text-anchor="end"[^>]*>([^<]+)<', svg)
    assert any(t.startswith("-") for t in labels)


def test_dutch_numbers():
    assert charts.number(4.0) == "4" and charts.number(4.25) == "4,25" and charts.number(1234.4) == "1.234,4"
