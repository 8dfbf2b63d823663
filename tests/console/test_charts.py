"""The dashboard's SVG charts: well-formed XML (parsed with xml.etree), user strings escaped,
and no failure on empty data, one point, missing values or zero denominators."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import pytest
from markupsafe import Markup
from shirube.console.charts import (
    Bar,
    BarGroup,
    HeatCell,
    Series,
    funnel_bars,
    heatmap,
    histogram,
    line_chart,
)
from shirube.console.charts.heatmap import heat_class
from shirube.console.charts.svg import nice_max

NS = "{http://www.w3.org/2000/svg}"
EVIL = '<script>alert("x")</script> & "quoted" \'single\''


def _parse(svg: Markup) -> ET.Element:
    root = ET.fromstring(str(svg))
    assert root.tag == f"{NS}svg"
    assert root.get("role") == "img"
    title, desc = root.find(f"{NS}title"), root.find(f"{NS}desc")
    assert title is not None and desc is not None
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    # Colours come from classes only: the console's CSP forbids inline style.
    for node in root.iter():
        assert "style" not in node.attrib and "fill" not in node.attrib
        assert not node.tag.endswith("script") and not node.tag.endswith("foreignObject")
    return root


def _texts(root: ET.Element) -> list[str]:
    return [node.text or "" for node in root.iter() if node.tag in (f"{NS}text", f"{NS}title")]


def _pct(value: float) -> str:
    return f"{value * 100:.0f} %"


def test_a_line_chart_draws_each_series_and_breaks_at_missing_values() -> None:
    svg = line_chart(
        "trend",
        "Completion",
        "Weekly completion rate",
        ["2026-11-02", "2026-11-09", "2026-11-16", "2026-11-23"],
        [Series("rate", [0.2, None, 0.5, 0.6]), Series("other", [0.1, 0.1, 0.1, 0.1])],
        y_format=_pct,
        y_max=1.0,
    )
    root = _parse(svg)
    series = root.findall(f".//{NS}g[@class='chart-series']")
    assert [g.get("data-series") for g in series] == ["rate", "other"]
    # "rate": the None splits it; a run of one point is a dot, not a line.
    assert len(series[0].findall(f"{NS}polyline")) == 1
    assert len(series[0].findall(f"{NS}circle")) == 3
    assert len(series[1].findall(f"{NS}polyline")) == 1
    assert "rate: 50 %" in _texts(root)


def test_one_point_is_a_dot_and_no_points_say_so() -> None:
    root = _parse(line_chart("one", "t", "d", ["2026-11-02"], [Series("s", [3.0])], y_format=str))
    assert root.findall(f".//{NS}polyline") == []
    assert len(root.findall(f".//{NS}circle")) == 1
    for svg in (
        line_chart("none", "t", "d", [], [], y_format=str, empty_text="Nothing yet"),
        line_chart("nans", "t", "d", ["a"], [Series("s", [None, math.nan])], y_format=str),
        heatmap("h", "t", "d", [], [], []),
        funnel_bars("f", "t", "d", [], ["shown"]),
        funnel_bars("f0", "t", "d", [BarGroup("step", [Bar(None, "—")])], ["rate"]),
        histogram("x", "t", "d", [("1", 0), ("2", 0)]),
    ):
        root = _parse(svg)
        assert root.find(f"{NS}text[@class='chart-empty']") is not None
    assert "Nothing yet" in str(
        line_chart("e", "t", "d", [], [], y_format=str, empty_text="Nothing yet")
    )


def test_user_strings_are_escaped_everywhere() -> None:
    charts = [
        line_chart("a", EVIL, EVIL, [EVIL], [Series(EVIL, [1.0])], y_format=lambda v: EVIL),
        heatmap("b", EVIL, EVIL, [EVIL], [EVIL], [[HeatCell(0.5, EVIL, EVIL)]]),
        funnel_bars("c", EVIL, EVIL, [BarGroup(EVIL, [Bar(1, EVIL)])], [EVIL, EVIL]),
        histogram("d", EVIL, EVIL, [(EVIL, 3)]),
    ]
    for svg in charts:
        assert "<script" not in str(svg)
        root = _parse(svg)
        # The text comes back intact once parsed (long labels are clipped with "…").
        assert any(EVIL in t for t in _texts(root)) or any(
            t.startswith('<script>alert("x")') for t in _texts(root)
        )
        for node in root.iter():
            assert all(not key.startswith("on") for key in node.attrib)


def test_characters_xml_forbids_are_replaced() -> None:
    root = _parse(histogram("z", "a\x00b\x1fc", "\ud800", [("x\x07", 1)]))
    title = root.find(f"{NS}title")
    assert title is not None and title.text == "a\ufffdb\ufffdc"


def test_an_id_that_is_not_plain_is_refused() -> None:
    with pytest.raises(ValueError):
        histogram('x" onload="alert(1)', "t", "d", [("1", 1)])


def test_the_heatmap_colours_by_share_and_writes_the_number() -> None:
    cells = [
        [HeatCell(0.0, "0 %"), HeatCell(0.55, "55 %"), HeatCell(1.0, "100 %")],
        [HeatCell(None, "—")],  # a cohort with no users
    ]
    root = _parse(
        heatmap("cohorts", "t", "d", ["2026-11-02", "2026-11-09"], ["0", "1", "2"], cells)
    )
    rects = root.findall(f".//{NS}rect")
    assert [r.get("class") for r in rects] == [
        "heat heat-0",
        "heat heat-5",
        "heat heat-10",
        "heat heat-none",
    ]
    assert {"0 %", "55 %", "100 %", "—"} <= set(_texts(root))
    assert heat_class(math.nan) == "heat-none" and heat_class(2.0) == "heat-10"
    assert heat_class(-1.0) == "heat-0"


def test_funnel_bars_scale_to_the_largest_value_or_the_given_maximum() -> None:
    groups = [
        BarGroup("Step 1", [Bar(100, "100"), Bar(80, "80")]),
        BarGroup("Step 2", [Bar(80, "80"), Bar(0, "0")]),
    ]
    root = _parse(funnel_bars("funnel", "t", "d", groups, ["shown", "advanced"]))
    widths = [float(r.get("width", "0")) for r in root.findall(f".//{NS}rect[@height='12']")]
    assert widths[0] == max(widths) and widths[3] == 0
    rates = funnel_bars(
        "rates", "t", "d", [BarGroup("Item", [Bar(0.5, "50 %")])], ["rate"], x_max=1.0
    )
    bar = _parse(rates).find(f".//{NS}rect[@class='chart-bar chart-s0']")
    assert bar is not None and float(bar.get("width", "0")) == 200


def test_histogram_bars_follow_the_counts() -> None:
    root = _parse(histogram("scores", "t", "d", [("1", 0), ("2", 5), ("3", 10)]))
    heights = [float(r.get("height", "0")) for r in root.findall(f".//{NS}g/{NS}rect")]
    assert heights[0] == 0 and heights[2] == 2 * heights[1]


@pytest.mark.parametrize(
    ("value", "expected"), [(0, 1.0), (0.37, 0.5), (1, 1.0), (7, 10.0), (21, 25.0), (1e9, 1e9)]
)
def test_nice_max(value: float, expected: float) -> None:
    assert nice_max(value) == expected
