"""Line charts rendered on the server as SVG: lab results against their reference band and
measurements over time. No scripts, no external files, no style attributes (the strict CSP):
colours come from classes in portal.css, with SVG presentation attributes as fallback.

The SVG is an image for screen readers (role="img" with <title> and <desc>); each point
carries its own <title>, and the page shows the same values as a table next to it.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from markupsafe import Markup, escape

from ..core.formatting import nl_number
from ..epd.models import ResultFlag

MONTHS_NL = ("jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec")

WIDTH, HEIGHT = 720, 300
#: Margins inside the viewBox: room for the value labels at the left, for half a month label
#: beyond the plot's right edge (the last month's label is never clipped) and for the legend.
LEFT, RIGHT, TOP, BOTTOM = 64, 40, 16, 44
LEGEND = 22
#: Steps of a "nice" axis: 1, 2, 2.5 and 5 times a power of ten.
NICE_STEPS = (1.0, 2.0, 2.5, 5.0, 10.0)


@dataclass(frozen=True, slots=True)
class ChartPoint:
    at: datetime
    value: float
    label: str            # the value as shown, e.g. "5.4 mmol/l"
    flag: ResultFlag | None = None


@dataclass(frozen=True, slots=True)
class Series:
    """A second line in one chart (diastolic beside systolic), named in the legend."""

    name: str
    points: Sequence[ChartPoint]


def number(value: float) -> str:
    """Dutch notation (``core.formatting.nl_number``): decimal comma, thousands separator,
    no needless decimals."""
    return nl_number(value)


def nice_ticks(low: float, high: float, target: int = 5) -> list[float]:
    """Ticks of a value axis covering [low, high]: about ``target`` of them, a step of 1, 2,
    2.5 or 5 times a power of ten, the first at or below ``low`` and the last at or above
    ``high``. An axis of values that are not negative never dips below zero."""
    if high < low:
        low, high = high, low
    if high == low:
        spread = abs(high) * 0.1 or 1.0
        low, high = low - spread, high + spread
        if low < 0 <= low + spread:
            low = 0.0
    raw = (high - low) / max(target - 1, 1)
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(m * power for m in NICE_STEPS if m * power >= raw * (1 - 1e-9))
    first = math.floor(low / step + 1e-9) * step
    last = math.ceil(high / step - 1e-9) * step
    count = round((last - first) / step)
    # Rounded to the step's decimals, so 0.1 + 0.2 prints as 0,3.
    decimals = max(0, -math.floor(math.log10(step)) + 1)
    return [round(first + i * step, decimals) + 0.0 for i in range(count + 1)]


def _month_starts(start: datetime, end: datetime) -> list[datetime]:
    """First days of the months inside [start, end], thinned to at most 12 labels."""
    months = []
    year, month = start.year, start.month
    while True:
        month += 1
        if month == 13:
            year, month = year + 1, 1
        first = datetime(year, month, 1)
        if first > end:
            break
        months.append(first)
    step = max(1, -(-len(months) // 12))
    return months[::step]


def line_chart(points: Sequence[ChartPoint], *, chart_id: str, title: str, description: str,
               start: datetime, end: datetime, band: tuple[float | None, float | None] | None = None,
               name: str | None = None, second: Series | None = None) -> Markup:
    """An SVG line chart of ``points`` (oldest first) over [start, end], with the reference
    ``band`` (low, high; either may be None) shaded. ``chart_id`` makes the ids unique.

    The value axis (``nice_ticks``) holds every value of both series and the band's limits;
    the points of a series are joined in time order. With a ``second`` series the chart
    carries a legend naming ``name`` (the first series) and ``second.name``, in words and line
    style, not colour alone. Every text lies inside the viewBox."""
    series = [sorted(points, key=lambda p: p.at)]
    if second is not None:
        series.append(sorted(second.points, key=lambda p: p.at))
    values = [p.value for line in series for p in line] + [b for b in (band or ()) if b is not None]
    ticks = nice_ticks(min(values), max(values)) if values else nice_ticks(0.0, 1.0)
    low, high = ticks[0], ticks[-1]
    if end <= start:
        end = start + timedelta(days=1)
    legend = LEGEND if second is not None else 0
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM - legend
    span = (end - start).total_seconds()

    def x(at: datetime) -> float:
        return LEFT + plot_w * (at - start).total_seconds() / span

    def y(value: float) -> float:
        return TOP + plot_h * (high - value) / (high - low)

    cid = escape(chart_id)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-labelledby="{cid}-title {cid}-desc" focusable="false">',
        f'<title id="{cid}-title">{escape(title)}</title>',
        f'<desc id="{cid}-desc">{escape(description)}</desc>',
    ]
    if band is not None:
        top = y(band[1]) if band[1] is not None else TOP
        bottom = y(band[0]) if band[0] is not None else TOP + plot_h
        parts.append(f'<rect class="chart-band" x="{LEFT}" y="{top:.1f}" width="{plot_w}" '
                     f'height="{max(bottom - top, 0):.1f}" fill="#d4ebd4" stroke="#8cbf8c">'
                     f'<title>Referentiewaarde</title></rect>')
    for tick in ticks:
        parts.append(f'<line class="chart-grid" x1="{LEFT}" x2="{LEFT + plot_w}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" '
                     f'stroke="#d0d5dc" stroke-width="1"/>')
        parts.append(f'<text class="chart-label" x="{LEFT - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" '
                     f'font-size="12">{escape(number(tick))}</text>')
    axis_y = TOP + plot_h
    for first in _month_starts(start, end):
        parts.append(f'<text class="chart-label" x="{x(first):.1f}" y="{axis_y + 18}" text-anchor="middle" '
                     f'font-size="12">{MONTHS_NL[first.month - 1]} {first:%y}</text>')
    parts.append(f'<line class="chart-axis" x1="{LEFT}" x2="{LEFT + plot_w}" y1="{axis_y}" y2="{axis_y}" '
                 f'stroke="#6b7280" stroke-width="1"/>')
    for index, line in enumerate(series):
        extra = " chart-line-second" if index else ""
        if len(line) > 1:
            coords = " ".join(f"{x(p.at):.1f},{y(p.value):.1f}" for p in line)
            dash = ' stroke-dasharray="6 4"' if index else ""
            parts.append(f'<polyline class="chart-line{extra}" points="{coords}" fill="none" stroke="#1a1a1a" '
                         f'stroke-width="2"{dash}/>')
        for p in line:
            flag = f" chart-point-{p.flag.value}" if p.flag else ""
            parts.append(f'<circle {_marker(index, flag)} cx="{x(p.at):.1f}" cy="{y(p.value):.1f}" r="5">'
                         f'<title>{p.at:%d-%m-%Y %H:%M}: {escape(p.label)}</title></circle>')
    if second is not None:
        parts.append(_legend([name or "", second.name], HEIGHT - 8))
    parts.append("</svg>")
    return Markup("".join(parts))


def _marker(index: int, flag: str) -> str:
    """The class and fill of a point: filled for the first series, hollow for the second, so
    the two differ in shape and not in colour alone (also where one measurement draws no line)."""
    if index:
        return f'class="chart-point-second{flag}" fill="#fff" stroke="#1a1a1a" stroke-width="2"'
    return f'class="chart-point{flag}" fill="#1a1a1a"'


def _legend(names: list[str], baseline: float) -> str:
    """The series' names beside a sample of their line: solid for the first, dashed for the second."""
    parts, at = ['<g class="chart-legend-group">'], float(LEFT)
    for index, name in enumerate(names):
        extra, dash = (" chart-line-second", ' stroke-dasharray="6 4"') if index else ("", "")
        parts.append(f'<line class="chart-line{extra}" x1="{at:.0f}" x2="{at + 28:.0f}" y1="{baseline - 4}" '
                     f'y2="{baseline - 4}" stroke="#1a1a1a" stroke-width="2"{dash}/>')
        # An ellipse, not a circle: the circles are the data points, one per value.
        parts.append(f'<ellipse {_marker(index, "")} cx="{at + 14:.0f}" cy="{baseline - 4}" rx="4" ry="4"/>')
        parts.append(f'<text class="chart-legend" x="{at + 34:.0f}" y="{baseline}" font-size="12">'
                     f'{escape(name)}</text>')
        at += 34 + 8 * len(name) + 24
    parts.append("</g>")
    return "".join(parts)
