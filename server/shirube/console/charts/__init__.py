"""Server-side SVG charts for the console's dashboard (docs/console.md, "Charts"): plain
markup built here, no script, no inline style, every text escaped."""

from shirube.console.charts.bars import Bar, BarGroup, funnel_bars, histogram
from shirube.console.charts.heatmap import HeatCell, heatmap
from shirube.console.charts.line import Series, line_chart

__all__ = [
    "Bar",
    "BarGroup",
    "HeatCell",
    "Series",
    "funnel_bars",
    "heatmap",
    "histogram",
    "line_chart",
]
