"""Bar charts: horizontal funnel bars (a row per tour step or checklist item, one bar per
measure: shown, advanced, dismissed, target missing; or one rate) and a histogram (vertical
bars over buckets: survey scores, time-to-completion buckets)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

from shirube.console.charts.svg import clip, el, empty, finite, frame, join, nice_max, num

WIDTH = 640
LABEL_W, VALUE_W = 170, 70
BAR_H, GAP = 14, 10
PALETTE = 6


@dataclass(frozen=True)
class Bar:
    value: float | None
    text: str


@dataclass(frozen=True)
class BarGroup:
    label: str
    bars: Sequence[Bar]


def funnel_bars(
    chart_id: str,
    title: str,
    desc: str,
    groups: Sequence[BarGroup],
    series_names: Sequence[str],
    *,
    x_max: float | None = None,
    empty_text: str = "No data",
) -> Markup:
    """`x_max` fixes the scale (1.0 for rates); otherwise the largest value sets it, so that
    the first step's bar is the full width and the drop shows."""
    values = [finite(b.value) for g in groups for b in g.bars]
    if not groups or all(v is None for v in values):
        return empty(chart_id, "funnel", title, desc, empty_text)
    top = x_max if x_max is not None else nice_max(max(v for v in values if v is not None))
    per_group = max(len(g.bars) for g in groups)
    group_h = per_group * BAR_H + GAP
    legend_h = 22 if len(series_names) > 1 else 0
    height = legend_h + group_h * len(groups) + GAP
    plot_w = WIDTH - LABEL_W - VALUE_W
    parts: list[Markup] = []
    for i, name in enumerate(series_names if len(series_names) > 1 else []):
        left = LABEL_W + i * 110
        parts.append(
            el(
                "rect",
                {
                    "x": left,
                    "y": 4,
                    "width": 10,
                    "height": 10,
                    "class": f"chart-swatch chart-s{i % PALETTE}",
                },
            )
            + el("text", {"x": left + 14, "y": 13, "class": "chart-legend"}, clip(name, 14))
        )
    for g_index, group in enumerate(groups):
        top_y = legend_h + GAP + g_index * group_h
        parts.append(
            el(
                "text",
                {
                    "x": LABEL_W - 8,
                    "y": num(top_y + len(group.bars) * BAR_H / 2 + 4),
                    "class": "chart-axis",
                    "text-anchor": "end",
                },
                clip(group.label, 24),
            )
        )
        for b_index, bar in enumerate(group.bars):
            y = top_y + b_index * BAR_H
            value = finite(bar.value)
            length = 0.0 if value is None else plot_w * min(max(value / top, 0.0), 1.0)
            name = series_names[b_index] if b_index < len(series_names) else ""
            parts.append(
                el(
                    "rect",
                    {
                        "x": LABEL_W,
                        "y": y + 1,
                        "width": num(length),
                        "height": BAR_H - 2,
                        "class": f"chart-bar chart-s{b_index % PALETTE}",
                    },
                    el("title", {}, f"{group.label} · {name}: {bar.text}"),
                )
                + el(
                    "text",
                    {"x": num(LABEL_W + length + 4), "y": y + BAR_H - 3, "class": "chart-value"},
                    bar.text,
                )
            )
    return frame(chart_id, "funnel", WIDTH, height, title, desc, join(parts))


def histogram(
    chart_id: str,
    title: str,
    desc: str,
    buckets: Sequence[tuple[str, int]],
    *,
    empty_text: str = "No data",
) -> Markup:
    """A bar per bucket (label, count), in the given order, the count written above it."""
    if not buckets or all(count <= 0 for _, count in buckets):
        return empty(chart_id, "histogram", title, desc, empty_text)
    height, left, bottom, top_pad = 220, 16, 36, 20
    top = nice_max(max(count for _, count in buckets))
    slot = (WIDTH - 2 * left) / len(buckets)
    bar_w = max(4.0, slot * 0.7)
    plot_h = height - bottom - top_pad
    parts: list[Markup] = [
        el(
            "line",
            {
                "x1": left,
                "x2": WIDTH - left,
                "y1": height - bottom,
                "y2": height - bottom,
                "class": "chart-grid",
            },
        )
    ]
    for i, (label, count) in enumerate(buckets):
        h = plot_h * min(max(count / top, 0.0), 1.0)
        x = left + slot * i + (slot - bar_w) / 2
        y = height - bottom - h
        centre = num(x + bar_w / 2)
        parts.append(
            el(
                "g",
                {"class": "chart-bucket"},
                el(
                    "rect",
                    {
                        "x": num(x),
                        "y": num(y),
                        "width": num(bar_w),
                        "height": num(h),
                        "class": "chart-bar chart-s0",
                    },
                    el("title", {}, f"{label}: {count}"),
                )
                + el(
                    "text",
                    {"x": centre, "y": num(y - 4), "class": "chart-value", "text-anchor": "middle"},
                    str(count),
                )
                + el(
                    "text",
                    {
                        "x": centre,
                        "y": height - bottom + 16,
                        "class": "chart-axis",
                        "text-anchor": "middle",
                    },
                    clip(label, 14),
                ),
            )
        )
    return frame(chart_id, "histogram", WIDTH, height, title, desc, join(parts))
