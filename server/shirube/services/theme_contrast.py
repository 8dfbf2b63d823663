"""WCAG 2.x contrast of the theme's text colour on its brand colour: the check the console makes
before a theme is saved (and shows live while it is edited, console/static/theme_editor.js has
the same formula). Pure functions on `#rrggbb` strings."""

from __future__ import annotations

import re
from dataclasses import dataclass

# WCAG 2.x success criterion 1.4.3 (AA) for normal-size text: button labels and the launcher.
AA_RATIO = 4.5
DEFAULT_BRAND = "#0055cc"
# What the widget writes on the brand colour when the theme names no text colour
# (widget/src/styles.ts): white on a dark brand, near-black on a light one.
LIGHT_TEXT = "#ffffff"
DARK_TEXT = "#1f2328"
# The widget's switch between them: white passes 4.5:1 only below this luminance.
DARK_BRAND_LUMINANCE = 0.18

_HEX = re.compile(r"#[0-9a-fA-F]{6}")


def relative_luminance(color: str) -> float:
    """The relative luminance (0 black … 1 white) of a `#rrggbb` colour (WCAG 2.x)."""
    if not _HEX.fullmatch(color):
        raise ValueError(f"{color!r} is not a #rrggbb colour")

    def channel(index: int) -> float:
        c = int(color[index : index + 2], 16) / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5)


def contrast_ratio(foreground: str, background: str) -> float:
    """(lighter + 0.05) / (darker + 0.05): 1 for equal colours, 21 for black on white."""
    a, b = relative_luminance(foreground), relative_luminance(background)
    return (max(a, b) + 0.05) / (min(a, b) + 0.05)


def automatic_text_color(brand: str) -> str:
    """The text colour the widget picks on `brand` when the theme names none."""
    return LIGHT_TEXT if relative_luminance(brand) <= DARK_BRAND_LUMINANCE else DARK_TEXT


@dataclass(frozen=True)
class ContrastCheck:
    brand: str
    text: str
    ratio: float

    @property
    def passes_aa(self) -> bool:
        return self.ratio >= AA_RATIO

    @property
    def shown(self) -> str:
        """The ratio as people read it, rounded down so 4.499 never shows as a passing 4.5."""
        return f"{int(self.ratio * 100) / 100:.2f}:1"


def check_theme(brand_color: str | None, text_color: str | None) -> ContrastCheck:
    """The contrast end users will see: the theme's colours, or the widget's defaults."""
    brand = brand_color or DEFAULT_BRAND
    text = text_color or automatic_text_color(brand)
    return ContrastCheck(brand, text, contrast_ratio(text, brand))
