"""Cohort heatmap: a row per first-seen week, a column per week N since, each cell coloured by
its share (ten steps of `heat-N` classes in console.css) and showing its number."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

from shirube.console.charts.svg import clip, el, empty, finite, frame, join, num

CELL_W, CELL_H = 56, 26
LEFT, TOP = 150, 30
STEPS = 10


@dataclass(frozen=True)
class HeatCell:
    """`share` in 0..1 picks the colour (None: no users, drawn blank); `text` is written in."""

    share: float | None
    text: str
    hint: str = ""


def heat_step(share: float | None) -> int | None:
    """0..10 (tenths, rounded down), None for no share."""
    value = finite(share)
    if value is None:
        return None
    return min(STEPS, max(0, int(value * STEPS + 1e-9)))


def heat_class(share: float | None) -> str:
    step = heat_step(share)
    return "heat-none" if step is None else f"heat-{step}"


def heatmap(
    chart_id: str,
    title: str,
    desc: str,
    row_labels: Sequence[str],
    column_labels: Sequence[str],
    cells: Sequence[Sequence[HeatCell]],
    *,
    empty_text: str = "No data",
) -> Markup:
    """`cells[r]` may be shorter than the columns (a young cohort has fewer weeks)."""
    if not row_labels or not column_labels:
        return empty(chart_id, "heatmap", title, desc, empty_text)
    width = LEFT + CELL_W * len(column_labels) + 8
    height = TOP + CELL_H * len(row_labels) + 8
    parts: list[Markup] = []
    for c, label in enumerate(column_labels):
        parts.append(
            el(
                "text",
                {
                    "x": num(LEFT + CELL_W * c + CELL_W / 2),
                    "y": TOP - 10,
                    "class": "chart-axis",
                    "text-anchor": "middle",
                },
                clip(label, 8),
            )
        )
    for r, label in enumerate(row_labels):
        top = TOP + CELL_H * r
        parts.append(
            el(
                "text",
                {
                    "x": LEFT - 8,
                    "y": num(top + CELL_H / 2 + 4),
                    "class": "chart-axis",
                    "text-anchor": "end",
                },
                clip(label, 22),
            )
        )
        for c, cell in enumerate(cells[r] if r < len(cells) else []):
            if c >= len(column_labels):
                break
            left = LEFT + CELL_W * c
            step = heat_step(cell.share)
            rect = el(
                "rect",
                {
                    "x": left + 1,
                    "y": top + 1,
                    "width": CELL_W - 2,
                    "height": CELL_H - 2,
                    "class": f"heat {heat_class(cell.share)}",
                },
                el("title", {}, cell.hint or cell.text),
            )
            # Dark text on light cells, light on dark ones (classes, for contrast).
            shade = "heat-text-light" if step is not None and step >= 6 else "heat-text-dark"
            words = el(
                "text",
                {
                    "x": num(left + CELL_W / 2),
                    "y": num(top + CELL_H / 2 + 4),
                    "class": f"heat-text {shade}",
                    "text-anchor": "middle",
                },
                cell.text,
            )
            parts.append(el("g", {"class": "heat-cell"}, rect + words))
    return frame(chart_id, "heatmap", width, height, title, desc, join(parts))
