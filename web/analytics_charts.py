"""Server-side SVG charts for the analytics page: bars and lines, no script and no CDN. Each chart is an
``img`` with a <title> and <desc> (what screen readers say), and every bar or point has its own <title>
with its label and value (shown on hover too). Text goes in through Markup.format, which escapes it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 44, 10, 12, 40
EMPTY = Markup("")


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float]  # NaN: no value that day (a break in the line)
    css: str  # the colour class: s0…s3


def _frame(chart_id: str, title: str, desc: str, body: list[Markup], height: int = HEIGHT) -> Markup:
    return Markup(
        '<svg id="{id}" class="chart" role="img" viewBox="0 0 {w} {h}" '
        'aria-labelledby="{id}-title {id}-desc">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>{body}</svg>'
    ).format(id=chart_id, w=WIDTH, h=height, title=title, desc=desc, body=EMPTY.join(body))


def _scale_top(values: Sequence[float]) -> float:
    top = max(values, default=0)
    return top if top > 0 else 1


def _fmt(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def _axis(top: float, plot_h: int, unit: str) -> Markup:
    """The zero line, and the top value and 0 on the left."""
    return Markup(
        '<line class="axis" x1="{left}" y1="{y0}" x2="{right}" y2="{y0}"/>'
        '<text class="tick" x="{x}" y="{ytop}" text-anchor="end">{top}{unit}</text>'
        '<text class="tick" x="{x}" y="{y0}" text-anchor="end">0</text>'
    ).format(
        left=LEFT, right=WIDTH - RIGHT, y0=TOP + plot_h, x=LEFT - 4, ytop=TOP + 10, top=_fmt(top), unit=unit
    )


def _label(x: float, y: float, text: str, anchor: str = "middle") -> Markup:
    return Markup('<text class="label" x="{x:.1f}" y="{y:.1f}" text-anchor="{a}">{text}</text>').format(
        x=x, y=y, a=anchor, text=text
    )


def _bar(label: str, value: float, unit: str, x: float, y: float, w: float, h: float) -> Markup:
    return Markup(
        '<rect class="bar s0" data-label="{label}" data-value="{value}" x="{x:.1f}" y="{y:.1f}" '
        'width="{w:.1f}" height="{h:.1f}"><title>{label}: {value}{unit}</title></rect>'
    ).format(label=label, value=_fmt(value), unit=unit, x=x, y=y, w=w, h=h)


def _describe(bars: Sequence[tuple[str, float]], unit: str = "") -> str:
    return "; ".join(f"{label}: {_fmt(value)}{unit}" for label, value in bars)


def bar_chart(chart_id: str, title: str, bars: Sequence[tuple[str, float]], *, unit: str = "") -> Markup:
    """Vertical bars, one per (label, value), labels under them (every few when crowded)."""
    plot_h = HEIGHT - TOP - BOTTOM
    top = _scale_top([v for _, v in bars])
    slot = (WIDTH - LEFT - RIGHT) / max(1, len(bars))
    every = max(1, len(bars) // 16)
    parts = [_axis(top, plot_h, unit)]
    for i, (label, value) in enumerate(bars):
        h = plot_h * value / top
        x = LEFT + i * slot + slot * 0.15
        parts.append(_bar(label, value, unit, x, TOP + plot_h - h, slot * 0.7, h))
        if i % every == 0:
            parts.append(_label(x + slot * 0.35, HEIGHT - BOTTOM + 14, label))
    return _frame(chart_id, title, _describe(bars, unit), parts)


def hbar_chart(chart_id: str, title: str, bars: Sequence[tuple[str, float]]) -> Markup:
    """Horizontal bars with their labels on the left: for long names (violation types, cameras)."""
    row, label_w = 22, 190
    height = TOP + row * max(1, len(bars)) + 8
    top = _scale_top([v for _, v in bars])
    span = WIDTH - label_w - RIGHT - 50
    parts = []
    for i, (label, value) in enumerate(bars):
        y = TOP + i * row
        w = span * value / top
        parts.append(_label(label_w - 6, y + 15, label[:30], "end"))
        parts.append(_bar(label, value, "", label_w, y + 3, w, row - 6))
        parts.append(_label(label_w + w + 4, y + 15, _fmt(value), "start"))
    return _frame(chart_id, title, _describe(bars), parts, height)


def line_chart(
    chart_id: str, title: str, labels: Sequence[str], series: Sequence[Series], *, unit: str = ""
) -> Markup:
    """One polyline per series over the labels (days), with a legend."""
    plot_h = HEIGHT - TOP - BOTTOM
    top = _scale_top([v for s in series for v in s.values if v == v])
    step = (WIDTH - LEFT - RIGHT) / max(1, len(labels) - 1)
    every = max(1, len(labels) // 8)
    parts = [_axis(top, plot_h, unit)]
    parts += [
        _label(LEFT + i * step, HEIGHT - BOTTOM + 14, lab) for i, lab in enumerate(labels) if i % every == 0
    ]
    for n, s in enumerate(series):
        runs: list[list[str]] = [[]]
        for i, value in enumerate(s.values):
            if value != value:  # NaN
                runs.append([])
                continue
            x, y = LEFT + i * step, TOP + plot_h - plot_h * value / top
            runs[-1].append(f"{x:.1f},{y:.1f}")
            parts.append(
                Markup(
                    '<circle class="dot {css}" cx="{x:.1f}" cy="{y:.1f}" r="2.5" data-label="{label}" '
                    'data-value="{value}"><title>{name} · {label}: {value}{unit}</title></circle>'
                ).format(css=s.css, x=x, y=y, label=labels[i], value=_fmt(value), name=s.name, unit=unit)
            )
        parts += [
            Markup('<polyline class="line {css}" points="{points}"/>').format(css=s.css, points=" ".join(r))
            for r in runs
            if len(r) > 1
        ]
        parts.append(
            Markup('<rect class="{css}" x="{x}" y="{y}" width="10" height="10"/>').format(
                css=s.css, x=LEFT + 10 + n * 150, y=HEIGHT - 16
            )
        )
        parts.append(_label(LEFT + 24 + n * 150, HEIGHT - 7, s.name, "start"))
    desc = " | ".join(
        f"{s.name}: " + _describe([(lab, v) for lab, v in zip(labels, s.values, strict=True) if v == v], unit)
        for s in series
    )
    return _frame(chart_id, title, desc, parts)
