"""Line charts rendered on the server as SVG: lab results against their reference band and
measurements over time. No scripts, no external files, no style attributes (the strict CSP):
colours come from classes in portal.css, with SVG presentation attributes as fallback.

The SVG is an image for screen readers (role="img" with <title> and <desc>); each point
carries its own <title>, and the page shows the same values as a table next to it.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from markupsafe import Markup, escape

from ..core.formatting import nl_number
from ..epd.models import ResultFlag

MONTHS_NL = ("jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec")

WIDTH, HEIGHT = 720, 300
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 16, 44


@dataclass(frozen=True, slots=True)
class ChartPoint:
    at: datetime
    value: float
    label: str            # the value as shown, e.g. "5.4 mmol/l"
    flag: ResultFlag | None = None


def number(value: float) -> str:
    """Dutch notation (``core.formatting.nl_number``): decimal comma, thousands separator,
    no needless decimals."""
    return nl_number(value)


def _ticks(low: float, high: float, count: int = 5) -> list[float]:
    step = (high - low) / (count - 1)
    return [low + i * step for i in range(count)]


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
               start: datetime, end: datetime, band: tuple[float | None, float | None] | None = None) -> Markup:
    """An SVG line chart of ``points`` (oldest first) over [start, end], with the reference
    ``band`` (low, high; either may be None) shaded. ``chart_id`` makes the ids unique."""
    values = [p.value for p in points] + [b for b in (band or ()) if b is not None]
    low, high = (min(values), max(values)) if values else (0.0, 1.0)
    pad = (high - low) * 0.1 or max(abs(high) * 0.1, 1.0)
    # Lab values and measurements are rarely negative: an axis dipping below zero for
    # padding's sake (CRP "-1,86") reads as a measured value.
    low, high = (low - pad if low - pad >= 0 or low < 0 else 0.0), high + pad
    if end <= start:
        end = start + timedelta(days=1)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
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
                     f'height="{max(bottom - top, 0):.1f}" fill="#e3f1e3"><title>Referentiewaarde</title></rect>')
    for tick in _ticks(low, high):
        parts.append(f'<line class="chart-grid" x1="{LEFT}" x2="{LEFT + plot_w}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" '
                     f'stroke="#d0d5dc" stroke-width="1"/>')
        parts.append(f'<text class="chart-label" x="{LEFT - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" '
                     f'font-size="12">{escape(number(tick))}</text>')
    for first in _month_starts(start, end):
        parts.append(f'<text class="chart-label" x="{x(first):.1f}" y="{HEIGHT - BOTTOM + 18}" text-anchor="middle" '
                     f'font-size="12">{MONTHS_NL[first.month - 1]} {first:%y}</text>')
    parts.append(f'<line class="chart-axis" x1="{LEFT}" x2="{LEFT + plot_w}" y1="{TOP + plot_h}" y2="{TOP + plot_h}" '
                 f'stroke="#6b7280" stroke-width="1"/>')
    if len(points) > 1:
        coords = " ".join(f"{x(p.at):.1f},{y(p.value):.1f}" for p in points)
        parts.append(f'<polyline class="chart-line" points="{coords}" fill="none" stroke="#1a1a1a" stroke-width="2"/>')
    for p in points:
        flag = f" chart-point-{p.flag.value}" if p.flag else ""
        parts.append(f'<circle class="chart-point{flag}" cx="{x(p.at):.1f}" cy="{y(p.value):.1f}" r="5" fill="#1a1a1a">'
                     f'<title>{p.at:%d-%m-%Y %H:%M}: {escape(p.label)}</title></circle>')
    parts.append("</svg>")
    return Markup("".join(parts))
