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




def _axis(svg: str) -> tuple[list[str], list[float]]:
    import re

    labels = re.findall(r'<text class="chart-label" x="\d+" y="([\d.]+)" text-anchor="end"[^>]*>([^<]+)<', svg)
    return [text for _, text in labels], [float(y) for y, _ in labels]


@pytest.mark.parametrize(("values", "band", "expected"), [
    ((9.06, 11.88, 14.7), (12.0, 16.0), ["8", "10", "12", "14", "16"]),  # the band is no sliver at the top
    ((0.1, 19.7), (0.0, 10.0), ["0", "5", "10", "15", "20"]),
    ((4.1, 4.3), (3.5, 5.1), ["3,5", "4", "4,5", "5", "5,5"]),
    ((0.012, 0.07), (0.0, 0.05), ["0", "0,02", "0,04", "0,06", "0,08"]),
    ((1200.0, 9800.0), (1000.0, 4500.0), ["0", "2.500", "5.000", "7.500", "10.000"]),
    ((40.0,), (60.0, 120.0), ["40", "60", "80", "100", "120"]),  # one value below the band
])
def test_axis_holds_the_band_and_every_value_with_nice_dutch_ticks(values, band, expected):
    import re

    points = [charts.ChartPoint(datetime(2025, 1 + i, 1), v, str(v)) for i, v in enumerate(values)]
    svg = str(charts.line_chart(points, chart_id="c", title="t", description="d", start=datetime(2024, 12, 1),
                                end=datetime(2025, 12, 1), band=band))
    ticks = charts.nice_ticks(min(values + band), max(values + band))
    assert [charts.number(t) for t in ticks] == expected
    steps = {round(b - a, 9) for a, b in zip(ticks, ticks[1:])}
    assert len(steps) == 1
    step = steps.pop()
    mantissa = step / 10 ** __import__("math").floor(__import__("math").log10(step))
    assert round(mantissa, 9) in (1, 2, 2.5, 5)
    assert ticks[0] <= min(values + band) and ticks[-1] >= max(values + band)
    labels, ys = _axis(svg)
    assert labels == expected and all("." not in t or "," not in t for t in labels)
    top, bottom = min(ys) - 4, max(ys) - 4  # a label's baseline sits 4 below its grid line
    rect = re.search(r'<rect class="chart-band" x="\d+" y="([\d.]+)" width="\d+" height="([\d.]+)"', svg)
    band_top, band_height = float(rect.group(1)), float(rect.group(2))
    assert top - 0.1 <= band_top and band_top + band_height <= bottom + 0.1 and band_height > 0
    for cy in (float(c) for c in re.findall(r'cy="([\d.]+)"', svg)):
        assert top - 0.1 <= cy <= bottom + 0.1


def test_points_are_joined_in_time_order_and_every_label_stays_inside_the_view():
    import re

    points = [charts.ChartPoint(datetime(2025, 11, 20), 5.0, "5"), charts.ChartPoint(datetime(2025, 1, 5), 3.0, "3"),
              charts.ChartPoint(datetime(2025, 6, 1), 4.0, "4")]
    svg = str(charts.line_chart(points, chart_id="c", title="t", description="d", start=datetime(2024, 12, 1),
                                end=datetime(2025, 12, 1), band=(3.5, 5.0)))
    xs = [float(pair.split(",")[0]) for pair in re.search(r'<polyline[^>]* points="([^"]+)"', svg).group(1).split()]
    assert xs == sorted(xs) and len(xs) == 3
    assert ">dec 25<" in svg  # the last month's label is drawn ...
    for x, text in re.findall(r'<text class="chart-label" x="([\d.]+)"[^>]*text-anchor="middle"[^>]*>([^<]+)<', svg):
        half = 7 * len(text) / 2  # generous: 7 units per character at font-size 12
        assert float(x) - half >= 0 and float(x) + half <= charts.WIDTH, text  # ... and not clipped


def test_two_series_share_one_axis_and_have_a_legend_in_words():
    january, february = datetime(2025, 1, 1), datetime(2025, 2, 1)
    upper = [charts.ChartPoint(january, 150.0, "150/95"), charts.ChartPoint(february, 128.0, "128/70")]
    lower = [charts.ChartPoint(january, 95.0, "150/95"), charts.ChartPoint(february, 70.0, "128/70")]
    svg = str(charts.line_chart(upper, chart_id="bp", title="Bloeddruk", description="d", start=datetime(2024, 12, 15),
                                end=datetime(2025, 2, 15), name="Systolisch",
                                second=charts.Series("Diastolisch", lower)))
    labels, _ = _axis(svg)
    assert labels == ["60", "80", "100", "120", "140", "160"]
    assert svg.count("<polyline") == 2 and svg.count("<circle") == 4
    # The second series' points are hollow: they differ in shape, not in colour alone.
    assert svg.count('<circle class="chart-point-second" fill="#fff"') == 2 and svg.count("<ellipse") == 2
    assert ">Systolisch</text>" in svg and ">Diastolisch</text>" in svg and "style=" not in svg
