"""Charts for the lead pages, drawn as inline SVG on the server: no JavaScript, nothing from a CDN.

Colours are SVG presentation attributes, not style attributes, so the strict CSP (style-src
'self') allows them. Every label is escaped: category and team ids come from configuration, but
a chart must stay safe whatever it is given.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

PALETTE = (
    "#2456d6",
    "#13795b",
    "#b25e09",
    "#b42318",
    "#5b3aa6",
    "#0e7490",
    "#a16207",
    "#be185d",
    "#4d7c0f",
    "#475569",
    "#7c3aed",
    "#c2410c",
)
INK, MUTED, GRID = "#1d2433", "#637083", "#dde3ea"


@dataclass(frozen=True)
class Frame:
    """Plot area inside the SVG: margins leave room for the axis labels and the legend."""

    width: int = 640
    height: int = 240
    left: int = 58
    right: int = 12
    top: int = 12
    bottom: int = 28

    @property
    def plot_width(self) -> float:
        return float(self.width - self.left - self.right)

    @property
    def plot_height(self) -> float:
        return float(self.height - self.top - self.bottom)

    def y(self, value: float, top_value: float) -> float:
        share = value / top_value if top_value > 0 else 0.0
        return self.top + self.plot_height * (1 - share)


def colour(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def nice_max(value: float) -> float:
    """A round upper bound for an axis: 1, 2, 2.5, 5 or 10 times a power of ten."""
    if value <= 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power * (1 + 1e-9):
            return float(f"{step * power:.12g}")
    return 10 * power


def _fmt(value: float, percent: bool) -> str:
    if percent:
        return f"{value * 100:.0f}%"
    return f"{value:.3g}" if value < 1000 else f"{value / 1000:g}k"


def _axes(frame: Frame, labels: Sequence[str], top_value: float, percent: bool) -> list[str]:
    parts = []
    for step in range(5):
        value = top_value * step / 4
        y = frame.y(value, top_value)
        parts.append(
            f'<line x1="{frame.left}" x2="{frame.width - frame.right}" y1="{y:.1f}" '
            f'y2="{y:.1f}" stroke="{GRID}"/>'
            f'<text x="{frame.left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="10" '
            f'fill="{MUTED}">{escape(_fmt(value, percent))}</text>'
        )
    slot = frame.plot_width / max(len(labels), 1)
    every = max(1, len(labels) // 7)
    for i, label in enumerate(labels):
        if i % every == 0:
            x = frame.left + slot * (i + 0.5)
            parts.append(
                f'<text x="{x:.1f}" y="{frame.height - 10}" text-anchor="middle" '
                f'font-size="10" fill="{MUTED}">{escape(label)}</text>'
            )
    return parts


def _svg(frame: Frame, title: str, parts: list[str]) -> Markup:
    body = "".join(parts)
    return Markup(
        f'<svg class="chart" viewBox="0 0 {frame.width} {frame.height}" role="img" '
        f'xmlns="http://www.w3.org/2000/svg" aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title>{body}</svg>"
    )


def stacked_bars(
    title: str,
    labels: Sequence[str],
    series: Mapping[str, Sequence[float]],
    frame: Frame = Frame(),
    events: Sequence[tuple[int, str]] = (),
) -> Markup:
    """One bar per label (a day), stacked by series (a category); hover shows the counts.
    `events` mark (label index, text) moments, such as a model promotion, with a line."""
    totals = [sum(values[i] for values in series.values()) for i in range(len(labels))]
    top_value = nice_max(max(totals, default=0.0))
    parts = _axes(frame, labels, top_value, percent=False)
    slot = frame.plot_width / max(len(labels), 1)
    for i, label in enumerate(labels):
        base = 0.0
        for index, (name, values) in enumerate(series.items()):
            value = float(values[i])
            if value <= 0:
                continue
            y_top, y_base = frame.y(base + value, top_value), frame.y(base, top_value)
            parts.append(
                f'<rect x="{frame.left + slot * i + slot * 0.15:.1f}" y="{y_top:.1f}" '
                f'width="{slot * 0.7:.1f}" height="{y_base - y_top:.1f}" fill="{colour(index)}">'
                f"<title>{escape(label)} · {escape(name)}: {value:g}</title></rect>"
            )
            base += value
    parts.extend(_event_marks(frame, slot, events))
    return _svg(frame, title, parts)


def _event_marks(frame: Frame, slot: float, events: Sequence[tuple[int, str]]) -> list[str]:
    """A dashed vertical line and a short label per event, hover for the whole text."""
    marks = []
    for index, text in events:
        x = frame.left + slot * (index + 0.5)
        short = text.split(" ", 1)[0]
        # Near the right edge the label goes to the left of its line, inside the chart.
        end = x > frame.width - frame.right - 70
        label_x, anchor = (x - 3, "end") if end else (x + 3, "start")
        marks.append(
            f'<g class="event"><line x1="{x:.1f}" x2="{x:.1f}" y1="{frame.top}" '
            f'y2="{frame.height - frame.bottom}" stroke="{INK}" stroke-dasharray="3 3"/>'
            f'<text x="{label_x:.1f}" y="{frame.top + 10}" font-size="10" fill="{INK}" '
            f'text-anchor="{anchor}">{escape(short)}</text><title>{escape(text)}</title></g>'
        )
    return marks


def lines(
    title: str,
    labels: Sequence[str],
    series: Mapping[str, Sequence[float | None]],
    *,
    percent: bool = False,
    reference: float | None = None,
    frame: Frame = Frame(),
    events: Sequence[tuple[int, str]] = (),
) -> Markup:
    """One line per series; gaps where a value is None; an optional dashed reference line;
    `events` as in stacked_bars."""
    values = [v for vs in series.values() for v in vs if v is not None]
    top_value = 1.0 if percent else nice_max(max([*values, reference or 0.0], default=0.0))
    parts = _axes(frame, labels, top_value, percent)
    if reference is not None:
        y = frame.y(reference, top_value)
        parts.append(
            f'<line x1="{frame.left}" x2="{frame.width - frame.right}" y1="{y:.1f}" '
            f'y2="{y:.1f}" stroke="{INK}" stroke-dasharray="5 4"/>'
        )
    slot = frame.plot_width / max(len(labels), 1)
    for index, (name, points) in enumerate(series.items()):
        parts.extend(_polyline(frame, labels, points, top_value, slot, index, name, percent))
    parts.extend(_event_marks(frame, slot, events))
    return _svg(frame, title, parts)


def _polyline(
    frame: Frame,
    labels: Sequence[str],
    points: Sequence[float | None],
    top_value: float,
    slot: float,
    index: int,
    name: str,
    percent: bool,
) -> list[str]:
    parts: list[str] = []
    run: list[str] = []
    for i, value in enumerate([*points, None]):
        if value is None:
            if len(run) > 1:
                parts.append(
                    f'<polyline points="{" ".join(run)}" fill="none" '
                    f'stroke="{colour(index)}" stroke-width="2"/>'
                )
            run = []
            continue
        x, y = frame.left + slot * (i + 0.5), frame.y(value, top_value)
        run.append(f"{x:.1f},{y:.1f}")
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour(index)}">'
            f"<title>{escape(labels[i])} · {escape(name)}: {escape(_fmt(value, percent))}"
            f"</title></circle>"
        )
    return parts


def hbars(
    title: str,
    items: Sequence[tuple[str, float]],
    *,
    percent: bool = False,
    width: int = 640,
    notes: Sequence[str] | None = None,
) -> Markup:
    """Horizontal bars, one per (label, value), for rates and shares by category; `notes` (one
    per bar) follow the value, e.g. the counts a rate is made of."""
    row, label_width = 22, 190
    frame = Frame(width=width, height=max(row * len(items) + 8, 30))
    top_value = 1.0 if percent else nice_max(max((v for _, v in items), default=0.0))
    bar_room = width - label_width - 60
    parts = []
    for i, (label, value) in enumerate(items):
        y = 4 + i * row
        length = bar_room * (value / top_value if top_value else 0.0)
        parts.append(
            f'<text x="{label_width - 8}" y="{y + 14}" text-anchor="end" font-size="11" '
            f'fill="{INK}">{escape(label)}</text>'
            f'<rect x="{label_width}" y="{y + 3}" width="{length:.1f}" height="14" '
            f'fill="{colour(i)}"/>'
            f'<text x="{label_width + length + 6:.1f}" y="{y + 14}" font-size="11" '
            f'fill="{MUTED}">{escape(_fmt(value, percent) + _note(notes, i))}</text>'
        )
    return _svg(frame, title, parts)


def _note(notes: Sequence[str] | None, index: int) -> str:
    return f" · {notes[index]}" if notes and index < len(notes) and notes[index] else ""


def legend(names: Sequence[str], columns: int = 3) -> Markup:
    """Colour keys matching the series order of the charts above, as a small inline SVG."""
    cell, row = 210, 18
    height = row * ((len(names) + columns - 1) // columns) + 4
    parts = []
    for i, name in enumerate(names):
        x, y = (i % columns) * cell, (i // columns) * row + 2
        parts.append(
            f'<rect x="{x}" y="{y + 2}" width="10" height="10" fill="{colour(i)}"/>'
            f'<text x="{x + 16}" y="{y + 11}" font-size="11" fill="{INK}">'
            f"{escape(name.replace('_', ' '))}</text>"
        )
    frame = Frame(width=columns * cell, height=max(height, 20))
    return _svg(frame, "legend", parts)
