"""The pieces every chart shares: an element writer that escapes every text and attribute,
the accessible frame (<title>, <desc>), the numeric scale and its ticks.

Why server-side SVG (docs/console.md): the console's CSP allows no script and no inline
style, so no chart library can run; SVG drawn here needs neither, costs no bundle, prints and
screenshots exactly as shown, and reads out through its <title>/<desc> and the table next to
it. Colours come from classes in console.css (`chart-s0`…, `heat-0`…), never from attributes.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

from markupsafe import Markup, escape

SVG_NS = "http://www.w3.org/2000/svg"
# Characters XML 1.0 forbids even escaped (C0 controls but tab/newline/CR, lone surrogates,
# U+FFFE/FFFF): a user string holding one would make the whole SVG unreadable.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# An id becomes part of other ids and of aria-labelledby: letters, digits, - and _ only.
_ID = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,63}")


def text(value: object) -> Markup:
    """`value` as character data or an attribute value: &, <, >, " and ' escaped."""
    return escape(_NOT_XML.sub("\ufffd", str(value)))


def num(value: float) -> str:
    """A coordinate, short: 12, 12.5, never 1e-05."""
    rounded = round(value, 2)
    return str(int(rounded)) if rounded == int(rounded) else f"{rounded:.2f}".rstrip("0")


def el(name: str, attrs: Mapping[str, object] | None = None, body: str | Markup = "") -> Markup:
    """One element. Attribute values and a `str` body are escaped; a Markup body (built by
    el()) is kept. Names are ours, never a user's."""
    written = "".join(f' {key}="{text(value)}"' for key, value in (attrs or {}).items())
    inner = body if isinstance(body, Markup) else text(body)
    return Markup(f"<{name}{written}>{inner}</{name}>")


def join(parts: list[Markup]) -> Markup:
    return Markup("").join(parts)


def clip(label: str, limit: int) -> str:
    """A label cut to `limit` characters (the full one stays in the table and the <title>)."""
    return label if len(label) <= limit else label[: limit - 1] + "…"


def frame(
    chart_id: str, kind: str, width: int, height: int, title: str, desc: str, body: Markup
) -> Markup:
    """The <svg>: role img, named by its <title> and described by its <desc>."""
    if not _ID.fullmatch(chart_id):
        raise ValueError(f"chart id {chart_id!r} is not a plain id")
    head = el("title", {"id": f"{chart_id}-title"}, title) + el(
        "desc", {"id": f"{chart_id}-desc"}, desc
    )
    attrs = {
        "xmlns": SVG_NS,
        "id": chart_id,
        "class": f"chart chart-{kind}",
        "viewBox": f"0 0 {width} {height}",
        # Its natural size: the stylesheet shrinks it to narrow columns, never blows it up.
        "width": width,
        "height": height,
        "role": "img",
        "aria-labelledby": f"{chart_id}-title {chart_id}-desc",
        "preserveAspectRatio": "xMinYMin meet",
    }
    return el("svg", attrs, head + body)


def empty(chart_id: str, kind: str, title: str, desc: str, message: str) -> Markup:
    """A chart with no data: its frame and one line saying so."""
    body = el("text", {"x": 12, "y": 30, "class": "chart-empty"}, message)
    return frame(chart_id, kind, 480, 48, title, desc, body)


def nice_max(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 × 10^n at least `value` (1 when there is nothing)."""
    if not math.isfinite(value) or value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power + 1e-12:
            return float(step * power)
    return float(10 * power)


def ticks(top: float, count: int = 4) -> list[float]:
    return [top * i / count for i in range(count + 1)]


def finite(value: float | None) -> float | None:
    """None for missing, NaN and infinite values: they are not drawn."""
    if value is None or not math.isfinite(value):
        return None
    return value
