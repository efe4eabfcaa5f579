"""The report's charts, written as inline SVG by hand: no library, no script, no font to fetch.

Every chart is an `<svg class="chart" data-chart="NAME" role="img">` with a `<title>` naming it
and a `<title>` on each bar or point saying its exact value (a tooltip on hover, read by screen
readers). Shapes are sized by a `viewBox`, so a chart scales to the page's width; colours and
text come from classes the page's CSS styles (and prints). Every piece of text goes through
`markupsafe.escape`: labels are keywords and titles, which are untrusted input.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 720  # the viewBox's width; the page scales it
FONT = 12  # the labels' size in viewBox units (the CSS sets the family)


def _n(value: float) -> str:
    """A coordinate, short: two decimals at most."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _svg(
    name: str, title: str, height: float, body: list[str], width: float = WIDTH, kind: str = ""
) -> Markup:
    return Markup(
        f'<svg class="chart{" " + kind if kind else ""}" data-chart="{escape(name)}" role="img" viewBox="0 0 {_n(width)} {_n(height)}" '
        f'xmlns="http://www.w3.org/2000/svg" preserveAspectRatio="xMinYMin meet">'
        f"<title>{escape(title)}</title>{''.join(body)}</svg>"
    )


def nice_step(value: float) -> int:
    """A round gridline step for an axis up to `value`: 1, 2 or 5 times a power of ten, about four steps."""
    rough, magnitude = max(value, 1) / 4, 1
    while magnitude * 10 <= rough:
        magnitude *= 10
    return next(f * magnitude for f in (1, 2, 5, 10) if f * magnitude >= rough)


def nice_top(value: float) -> int:
    """The axis's top: the first multiple of its step at or above `value` (and 1)."""
    step = nice_step(value)
    return max(step, -(-int(value) // step) * step)


def _ticks(top: int) -> list[int]:
    """The gridline values from 0 to `top`."""
    return list(range(0, top + 1, nice_step(top)))


@dataclass(frozen=True)
class Day:
    """One day of the period at a glance."""

    date: dt.date
    new: int
    returning: int
    has_dump: bool
    guessed: bool


def day_bars(days: Sequence[Day]) -> Markup:
    """Papers listed per day: new and returning stacked, with a strip below marking each day with a
    dump, without one (a gap) and with a guessed listing year."""
    left, right, top_pad, plot_h, strip_h = 44, 8, 10, 150, 10
    width = WIDTH - left - right
    step = width / max(len(days), 1)
    top = nice_top(max((d.new + d.returning for d in days), default=1))
    scale = plot_h / top
    body = [f'<g class="grid">{_gridlines(left, WIDTH - right, top_pad, plot_h, top)}</g>']
    bars = []
    for i, day in enumerate(days):
        x = left + i * step
        bar_w = max(step * 0.8, 0.6)
        base = top_pad + plot_h
        label = f"{day.date.isoformat()}: "
        if not day.has_dump:
            label += "no dump (gap)"
        else:
            label += f"{day.new} new, {day.returning} returning" + (" (year guessed)" if day.guessed else "")
        new_h, ret_h = day.new * scale, day.returning * scale
        cls = " guessed" if day.guessed else ""
        shapes = (
            f'<rect class="new{cls}" x="{_n(x)}" y="{_n(base - new_h)}" width="{_n(bar_w)}" height="{_n(new_h)}"/>'
            f'<rect class="returning{cls}" x="{_n(x)}" y="{_n(base - new_h - ret_h)}" width="{_n(bar_w)}" '
            f'height="{_n(ret_h)}"/>'
        )
        state = "gap" if not day.has_dump else ("guessed" if day.guessed else "dump")
        shapes += (
            f'<rect class="strip {state}" x="{_n(x)}" y="{_n(base + 4)}" width="{_n(max(step, 0.6))}" '
            f'height="{strip_h}"/>'
        )
        bars.append(f"<g><title>{escape(label)}</title>{shapes}</g>")
    body.append("".join(bars))
    body.append(_date_axis([d.date for d in days], left, step, top_pad + plot_h + strip_h + 6))
    return _svg(
        "papers-per-day", "Papers listed per day, new and returning", top_pad + plot_h + strip_h + 26, body
    )


def _gridlines(x0: float, x1: float, y0: float, height: float, top: int) -> str:
    parts = []
    for value in _ticks(top):
        y = y0 + height - value / top * height
        parts.append(
            f'<line x1="{_n(x0)}" x2="{_n(x1)}" y1="{_n(y)}" y2="{_n(y)}"/>'
            f'<text class="tick" x="{_n(x0 - 4)}" y="{_n(y + 4)}" text-anchor="end">{value:,}</text>'
        )
    return "".join(parts)


def _date_axis(dates: Sequence[dt.date], left: float, step: float, y: float) -> str:
    """Labels under a date axis: each month's first day shown, or each Monday over a short span."""
    if not dates:
        return ""
    short = len(dates) <= 70
    parts, last_x = [], -100.0
    for i, day in enumerate(dates):
        show = (day.weekday() == 0) if short else (day.day == 1 or i == 0)
        x = left + i * step
        if show and x - last_x >= 52 and x <= WIDTH - 56:  # a label needs its width inside the chart
            text = day.strftime("%d %b") if short else day.strftime("%b %Y")
            parts.append(f'<text class="tick" x="{_n(x)}" y="{_n(y + FONT)}">{escape(text)}</text>')
            last_x = x
    return "".join(parts)


def column_bars(
    name: str, title: str, points: Sequence[tuple[str, int, str]], marked: Sequence[bool] = ()
) -> Markup:
    """Vertical bars with a label under each (few bars: weeks), `marked` ones drawn as guesses.

    `points`: (label under the bar, value, tooltip).
    """
    left, right, top_pad, plot_h = 44, 8, 14, 140
    width = WIDTH - left - right
    step = width / max(len(points), 1)
    top = nice_top(max((v for _, v, _ in points), default=1))
    body = [f'<g class="grid">{_gridlines(left, WIDTH - right, top_pad, plot_h, top)}</g>']
    every = max(1, round(len(points) / 12))
    for i, (label, value, tip) in enumerate(points):
        x = left + i * step
        h = value / top * plot_h
        cls = "bar guessed" if i < len(marked) and marked[i] else "bar"
        text = ""
        if i % every == 0:
            text = (
                f'<text class="tick" x="{_n(x + step * 0.4)}" y="{_n(top_pad + plot_h + 14)}" '
                f'text-anchor="middle">{escape(label)}</text>'
            )
        body.append(
            f"<g><title>{escape(tip)}</title>"
            f'<rect class="{cls}" x="{_n(x + step * 0.05)}" y="{_n(top_pad + plot_h - h)}" '
            f'width="{_n(step * 0.8)}" height="{_n(h)}"/>{text}</g>'
        )
    return _svg(name, title, top_pad + plot_h + 22, body)


LIST_WIDTH = 480  # a bar list's viewBox: legible in half a page's width too


def bar_list(
    name: str, title: str, rows: Sequence[tuple[str, int, str]], value_label: str = "papers"
) -> Markup:
    """Horizontal bars, one per row, the label left and the value right: rankings and bands.

    `rows`: (label, value, note after the value, may be empty).
    """
    label_w, row_h = 170, 22
    bar_x = label_w + 8
    # Room right of the longest bar for its value and note (about 7 units a character at 12 units).
    notes = [note if len(note) <= 30 else note[:29] + "…" for _, _, note in rows]
    texts = [
        f"{value:,}" + (f" · {note}" if note else "") for (_, value, _), note in zip(rows, notes, strict=True)
    ]
    value_w = min(LIST_WIDTH - bar_x - 60, 12 + 7 * max((len(t) for t in texts), default=4))
    bar_max = LIST_WIDTH - bar_x - value_w
    top = max((v for _, v, _ in rows), default=0) or 1
    body = []
    for i, ((label, value, note), text) in enumerate(zip(rows, texts, strict=True)):
        y = i * row_h
        shown = label if len(label) <= 28 else label[:27] + "…"
        w = value / top * bar_max
        tip = f"{label}: {value:,} {value_label}" + (f" ({note})" if note else "")
        body.append(
            f"<g><title>{escape(tip)}</title>"
            f'<text class="label" x="{label_w}" y="{_n(y + 15)}" text-anchor="end">{escape(shown)}</text>'
            f'<rect class="bar" x="{bar_x}" y="{_n(y + 4)}" width="{_n(max(w, 1))}" height="{row_h - 8}"/>'
            f'<text class="value" x="{_n(bar_x + w + 6)}" y="{_n(y + 15)}">{escape(text)}</text></g>'
        )
    return _svg(name, title, max(len(rows), 1) * row_h + 4, body, LIST_WIDTH, "list")


def sparkline(name: str, title: str, values: Sequence[int], width: int = 120, height: int = 28) -> Markup:
    """A small trend line of weekly counts, its last point dotted."""
    if not values:
        return _svg(name, title, height, [], width, "spark")
    top = max(values) or 1
    step = (width - 6) / max(len(values) - 1, 1)
    points = [(3 + i * step, height - 3 - v / top * (height - 6)) for i, v in enumerate(values)]
    line = " ".join(f"{_n(x)},{_n(y)}" for x, y in points)
    x, y = points[-1]
    body = [
        f'<polyline class="trend" points="{line}"/>',
        f'<circle class="last" cx="{_n(x)}" cy="{_n(y)}" r="2.5"/>',
    ]
    return _svg(name, title, height, body, width, "spark")


def share_line(name: str, title: str, points: Sequence[tuple[str, float, str]]) -> Markup:
    """A line of shares (0 to 1) over weeks, each point with its exact figures as a tooltip."""
    left, right, top_pad, plot_h = 44, 12, 12, 140
    width = WIDTH - left - right
    top = min(1.0, max(1, -(-int(max((s for _, s, _ in points), default=0.0) * 100) // 10)) / 10)
    step = width / max(len(points) - 1, 1)
    body = []
    for frac in (0, 0.5, 1):
        y = top_pad + plot_h - frac * plot_h
        body.append(
            f'<g class="grid"><line x1="{left}" x2="{WIDTH - right}" y1="{_n(y)}" y2="{_n(y)}"/>'
            f'<text class="tick" x="{left - 4}" y="{_n(y + 4)}" text-anchor="end">{frac * top:.0%}</text></g>'
        )
    coords = [(left + i * step, top_pad + plot_h - s / top * plot_h) for i, (_, s, _) in enumerate(points)]
    if len(coords) > 1:
        body.append(f'<polyline class="trend" points="{" ".join(f"{_n(x)},{_n(y)}" for x, y in coords)}"/>')
    every = max(1, round(len(points) / 10))
    for i, ((label, _, tip), (x, y)) in enumerate(zip(points, coords, strict=True)):
        anchor = "end" if x > WIDTH - right - 24 else "middle"  # the last label stays inside the chart
        text = (
            f'<text class="tick" x="{_n(x)}" y="{top_pad + plot_h + 14}" text-anchor="{anchor}">{escape(label)}</text>'
            if i % every == 0
            else ""
        )
        body.append(
            f'<g><title>{escape(tip)}</title><circle class="point" cx="{_n(x)}" cy="{_n(y)}" r="3"/>{text}</g>'
        )
    return _svg(name, title, top_pad + plot_h + 22, body)
