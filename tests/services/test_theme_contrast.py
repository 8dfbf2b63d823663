"""The theme's contrast check (services/theme_contrast.py): WCAG 2.x luminance and ratio, the
widget's automatic text colour, and the AA threshold at its edge."""

from __future__ import annotations

import pytest
from shirube.services.theme_contrast import (
    AA_RATIO,
    automatic_text_color,
    check_theme,
    contrast_ratio,
    relative_luminance,
)


def test_luminance_of_the_extremes_and_a_grey() -> None:
    assert relative_luminance("#000000") == 0
    assert relative_luminance("#FFFFFF") == pytest.approx(1)
    # sRGB 0x77: the linear value 0.1845 (the curve, not 0x77 / 255).
    assert relative_luminance("#777777") == pytest.approx(0.1845, abs=1e-4)


@pytest.mark.parametrize(
    ("foreground", "background", "expected"),
    [
        ("#000000", "#ffffff", 21.0),
        ("#ffffff", "#ffffff", 1.0),
        # Published reference values (WebAIM's checker).
        ("#ffffff", "#0055cc", 6.62),
        ("#ffffff", "#767676", 4.54),
        ("#ffffff", "#777777", 4.48),
    ],
)
def test_ratio_matches_reference_values(foreground: str, background: str, expected: float) -> None:
    assert contrast_ratio(foreground, background) == pytest.approx(expected, abs=0.01)
    # The order of the colours does not matter.
    assert contrast_ratio(background, foreground) == contrast_ratio(foreground, background)


def test_aa_is_four_and_a_half_to_one_at_its_edge() -> None:
    assert AA_RATIO == 4.5
    assert check_theme("#767676", "#ffffff").passes_aa
    assert not check_theme("#777777", "#ffffff").passes_aa


def test_the_shown_ratio_never_rounds_a_failure_up_to_aa() -> None:
    check = check_theme("#777777", "#ffffff")  # 4.478…
    assert check.shown == "4.47:1"
    assert check_theme("#ffffff", "#000000").shown == "21.00:1"


def test_without_colours_the_widget_defaults_are_checked() -> None:
    check = check_theme(None, None)
    assert (check.brand, check.text) == ("#0055cc", "#ffffff")
    assert check.passes_aa


def test_automatic_text_is_white_on_dark_and_near_black_on_light_brands() -> None:
    assert automatic_text_color("#0055cc") == "#ffffff"
    assert automatic_text_color("#ffd33d") == "#1f2328"
    assert check_theme("#ffd33d", None).passes_aa
    # A mid-tone brand where neither passes: the check says so.
    assert not check_theme("#808080", None).passes_aa


def test_a_chosen_text_colour_is_what_is_checked() -> None:
    check = check_theme("#ffd33d", "#ffffff")
    assert check.text == "#ffffff" and not check.passes_aa


def test_a_malformed_colour_is_refused() -> None:
    with pytest.raises(ValueError, match="#rrggbb"):
        relative_luminance("red")
