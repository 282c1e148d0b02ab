"""Inline SVG charts for the HTML report, drawn here so the report needs no script or CDN.

Every label that could come from data goes through :func:`markupsafe.escape`; the returned
:class:`~markupsafe.Markup` is safe to place in an autoescaped template.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from markupsafe import Markup, escape

PALETTE = (
    "#2f6fbd",
    "#e07b39",
    "#3a9b5c",
    "#c2413b",
    "#7d5ba6",
    "#8c6d3f",
    "#d4679a",
    "#6b7280",
    "#b5a33a",
    "#2a9d9f",
)


def _trusted(svg: str) -> Markup:
    """Mark SVG built in this module as safe: every data-derived label in it went through ``escape``."""
    return Markup(svg)  # noqa: S704 - see above


def _fmt(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def sparkline(
    values: Sequence[int], *, width: int = 120, height: int = 28, color: str = PALETTE[0]
) -> Markup:
    """A small line of weekly counts, its last point marked."""
    if not values:
        values = [0]
    top = max(*values, 1)
    step = width / max(len(values) - 1, 1)
    points = [(i * step, height - 3 - (v / top) * (height - 6)) for i, v in enumerate(values)]
    path = " ".join(f"{_fmt(x)},{_fmt(y)}" for x, y in points)
    last_x, last_y = points[-1]
    label = escape(f"weekly counts: {', '.join(str(v) for v in values)}")
    return _trusted(
        f'<svg class="sparkline" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{label}"><polyline fill="none" stroke="{color}" stroke-width="1.5" points="{path}"/>'
        f'<circle cx="{_fmt(last_x)}" cy="{_fmt(last_y)}" r="2.2" fill="{color}"/></svg>'
    )


def bar_chart(items: Sequence[tuple[str, int, int]], *, width: int = 640, bar_height: int = 22) -> Markup:
    """Horizontal bars comparing the previous window (light) with the recent one (dark) per theme."""
    label_width, gap = 260, 8
    height = max(len(items), 1) * (bar_height + gap) + 24
    top = max([max(prev, recent) for _, prev, recent in items] or [1]) or 1
    scale = (width - label_width - 50) / top
    rows = []
    for index, (label, previous, recent) in enumerate(items):
        y = 20 + index * (bar_height + gap)
        half = bar_height / 2
        rows.append(
            f'<text x="{label_width - 8}" y="{_fmt(y + half + 4)}" text-anchor="end">{escape(label)}</text>'
            f'<rect x="{label_width}" y="{y}" width="{_fmt(max(previous * scale, 1))}" '
            f'height="{_fmt(half - 1)}" '
            f'fill="#b8c7dc"><title>previous: {previous}</title></rect>'
            f'<rect x="{label_width}" y="{_fmt(y + half)}" width="{_fmt(max(recent * scale, 1))}" '
            f'height="{_fmt(half - 1)}" fill="{PALETTE[3]}"><title>recent: {recent}</title></rect>'
            f'<text x="{_fmt(label_width + recent * scale + 6)}" y="{_fmt(y + bar_height - 2)}">'
            f"{previous} → {recent}</text>"
        )
    legend = (
        f'<rect x="{label_width}" y="2" width="10" height="10" fill="#b8c7dc"/>'
        f'<text x="{label_width + 14}" y="11">previous window</text>'
        f'<rect x="{label_width + 130}" y="2" width="10" height="10" fill="{PALETTE[3]}"/>'
        f'<text x="{label_width + 144}" y="11">recent window</text>'
    )
    return _trusted(
        f'<svg class="chart bars" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        'role="img" '
        f'aria-label="rising themes">{legend}{"".join(rows)}</svg>'
    )


def stacked_columns(
    weeks: Sequence[str], series: Mapping[str, Sequence[int]], *, width: int = 720, height: int = 260
) -> Markup:
    """Weekly stacked columns (one colour per category) with a legend on the right."""
    legend_width, bottom, left = 170, 36, 36
    plot_width, plot_height = width - legend_width - left, height - bottom - 10
    names = list(series)
    totals = [sum(series[name][i] for name in names) for i in range(len(weeks))]
    top = max(totals or [1]) or 1
    column = plot_width / max(len(weeks), 1)
    parts = [
        f'<line x1="{left}" y1="{10 + plot_height}" x2="{left + plot_width}" y2="{10 + plot_height}" '
        'stroke="#999"/>',
        f'<text x="{left - 4}" y="16" text-anchor="end">{top}</text>',
        f'<text x="{left - 4}" y="{10 + plot_height}" text-anchor="end">0</text>',
    ]
    for i, week in enumerate(weeks):
        x = left + i * column + column * 0.1
        y = float(10 + plot_height)
        for n, name in enumerate(names):
            value = series[name][i]
            if value <= 0:
                continue
            h = value / top * plot_height
            y -= h
            parts.append(
                f'<rect x="{_fmt(x)}" y="{_fmt(y)}" width="{_fmt(column * 0.8)}" height="{_fmt(h)}" '
                f'fill="{PALETTE[n % len(PALETTE)]}">'
                f"<title>{escape(week)} {escape(name)}: {value}</title></rect>"
            )
        if len(weeks) <= 16 or i % max(len(weeks) // 8, 1) == 0:
            parts.append(
                f'<text x="{_fmt(x + column * 0.4)}" y="{height - bottom + 16}" text-anchor="middle" '
                f'font-size="10">{escape(week[5:])}</text>'
            )
    for n, name in enumerate(names):
        y = 14 + n * 18
        parts.append(
            f'<rect x="{width - legend_width + 10}" y="{y - 9}" width="10" height="10" '
            f'fill="{PALETTE[n % len(PALETTE)]}"/>'
            f'<text x="{width - legend_width + 26}" y="{y}">{escape(name)}</text>'
        )
    return _trusted(
        f'<svg class="chart mix" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="category mix per week">{"".join(parts)}</svg>'
    )
