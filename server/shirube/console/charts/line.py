"""Line chart: one or more series over the same dates (weekly completion rate, active users).

A missing value (None: a week with no users) breaks its line rather than drawing a zero; a
series of one point is drawn as a dot."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup

from shirube.console.charts.svg import clip, el, empty, finite, frame, join, nice_max, num, ticks

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 16, 52
# Colour classes in console.css: series beyond the palette reuse it.
PALETTE = 6


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | None]


def line_chart(
    chart_id: str,
    title: str,
    desc: str,
    x_labels: Sequence[str],
    series: Sequence[Series],
    *,
    y_format: Callable[[float], str],
    y_max: float | None = None,
    empty_text: str = "No data",
) -> Markup:
    """`y_max` fixes the scale (1.0 for rates); otherwise it is the largest value, rounded up."""
    points = [finite(v) for s in series for v in s.values]
    if not x_labels or all(p is None for p in points):
        return empty(chart_id, "line", title, desc, empty_text)
    top = y_max if y_max is not None else nice_max(max(p for p in points if p is not None))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    count = len(x_labels)

    def x(i: int) -> float:
        return LEFT + (plot_w / 2 if count == 1 else plot_w * i / (count - 1))

    def y(value: float) -> float:
        return TOP + plot_h * (1 - min(max(value / top, 0.0), 1.0))

    parts: list[Markup] = []
    for tick in ticks(top):
        parts.append(
            el(
                "line",
                {
                    "x1": LEFT,
                    "x2": WIDTH - RIGHT,
                    "y1": num(y(tick)),
                    "y2": num(y(tick)),
                    "class": "chart-grid",
                },
            )
        )
        parts.append(
            el(
                "text",
                {"x": LEFT - 6, "y": num(y(tick) + 4), "class": "chart-axis", "text-anchor": "end"},
                y_format(tick),
            )
        )
    # At most ~8 date labels, none closer to the last than the others: they never overlap.
    every = max(1, -(-count // 8))
    for i, label in enumerate(x_labels):
        if (i % every == 0 and count - 1 - i >= every) or i == count - 1:
            # The last label ends at its point, so it stays inside the chart.
            anchor = "end" if i == count - 1 and count > 1 else "middle"
            parts.append(
                el(
                    "text",
                    {
                        "x": num(x(i)),
                        "y": HEIGHT - BOTTOM + 16,
                        "class": "chart-axis",
                        "text-anchor": anchor,
                    },
                    clip(label, 12),
                )
            )
    for index, s in enumerate(series):
        parts.append(_series(index, s, x, y, y_format))
    parts.append(_legend(series))
    return frame(chart_id, "line", WIDTH, HEIGHT, title, desc, join(parts))


def _series(
    index: int,
    s: Series,
    x: Callable[[int], float],
    y: Callable[[float], float],
    y_format: Callable[[float], str],
) -> Markup:
    colour = f"chart-s{index % PALETTE}"
    runs: list[list[tuple[float, float]]] = [[]]
    dots: list[Markup] = []
    for i, raw in enumerate(s.values):
        value = finite(raw)
        if value is None:
            runs.append([])
            continue
        runs[-1].append((x(i), y(value)))
        # Each point names itself on hover (and to screen readers walking the SVG).
        dots.append(
            el(
                "circle",
                {"cx": num(x(i)), "cy": num(y(value)), "r": 3, "class": f"chart-dot {colour}"},
                el("title", {}, f"{s.name}: {y_format(value)}"),
            )
        )
    lines = [
        el(
            "polyline",
            {
                "points": " ".join(f"{num(px)},{num(py)}" for px, py in run),
                "class": f"chart-line {colour}",
            },
        )
        for run in runs
        if len(run) > 1
    ]
    return el("g", {"class": "chart-series", "data-series": s.name}, join(lines + dots))


def _legend(series: Sequence[Series]) -> Markup:
    items: list[Markup] = []
    for index, s in enumerate(series):
        left = LEFT + index * 150
        colour = f"chart-s{index % PALETTE}"
        items.append(
            el(
                "rect",
                {
                    "x": left,
                    "y": HEIGHT - 18,
                    "width": 10,
                    "height": 10,
                    "class": f"chart-swatch {colour}",
                },
            )
            + el(
                "text", {"x": left + 14, "y": HEIGHT - 9, "class": "chart-legend"}, clip(s.name, 20)
            )
        )
    return el("g", {"class": "chart-legend-items"}, join(items))
