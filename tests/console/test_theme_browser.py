"""The theme page in Chromium, served by uvicorn: the preview frame runs the real widget bundle
(launcher, tooltip, checklist panel, modal) under the console's CSP, follows the form as it
changes (the brand colour inside the widget's shadow root, the launcher label, the preview
language), keeps the caret in the field being typed in, shows the contrast warning live, and
saves through "save anyway" — with no console error."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import FrameLocator, Page, expect
from shirube.services.workspaces import workspace_by_id

from tests.console.live import Live, serve_console, sign_in, watch

pytestmark = pytest.mark.browser
EMAIL = "designer@example.com"
LAUNCHER = 'button[data-shirube="launcher"]'
SAVE = "#theme-form button[type=submit]"


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[Live]:
    with serve_console(tmp_path_factory.mktemp("theme"), sqlite_template, EMAIL, "editor") as live:
        yield live


def _stored_theme(live: Live) -> dict[str, Any]:
    found = live.database.run_sync(lambda conn: workspace_by_id(conn, live.workspace_id))
    assert found is not None
    return found.theme


def _open(page: Page, live: Live) -> FrameLocator:
    page.set_default_timeout(10_000)
    sign_in(page, f"{live.workspace}/theme", EMAIL)
    return page.frame_locator("#theme-preview")


def test_the_preview_renders_the_real_widget_and_follows_the_form(page: Page, live: Live) -> None:
    problems = watch(page)
    preview = _open(page, live)
    # The real widget in the frame: launcher, the tour's tooltip on the stand-in app's button,
    # the checklist panel with its sample items.
    launcher = preview.locator(LAUNCHER)
    expect(launcher).to_be_visible()
    expect(launcher).to_contain_text("1/3")
    tooltip = preview.locator('[data-shirube-step="tooltip"][role="dialog"]')
    expect(tooltip).to_be_visible()
    expect(tooltip).to_contain_text("Add your team")
    checklist = preview.locator('[data-shirube="checklist"]')
    expect(checklist).to_be_visible()
    expect(checklist).to_contain_text("Invite your team")
    # The default brand colour, computed inside the widget's shadow root.
    expect(launcher).to_have_css("background-color", "rgb(0, 85, 204)")

    page.fill("#brand_color", "#116633")
    expect(launcher).to_have_css("background-color", "rgb(17, 102, 51)")
    expect(tooltip.locator('[data-shirube-action="next"]')).to_have_css(
        "background-color", "rgb(17, 102, 51)"
    )

    # Text colour, radius and label.
    page.uncheck("#text_color_auto")
    page.fill("#text_color", "#fffbe6")
    page.fill("#corner_radius", "0")
    page.fill("#launcher_label_en", "Get started")
    expect(launcher).to_contain_text("Get started 1/3")
    expect(launcher).to_have_css("color", "rgb(255, 251, 230)")
    expect(preview.locator('[data-shirube="tooltip"]')).to_have_css("border-radius", "0px")
    # The caret stays in the field being typed in: the preview never takes focus.
    expect(page.locator("#launcher_label_en")).to_be_focused()

    # The preview's language and the modal step.
    page.fill("#launcher_label_ja", "はじめに")
    page.select_option("#preview-locale", "ja")
    expect(launcher).to_contain_text("はじめに 1/3")
    page.select_option("#preview-step", "modal")
    modal = preview.locator('[data-shirube-step="modal"][role="dialog"]')
    expect(modal).to_be_visible()
    expect(modal).to_contain_text("ようこそ")
    # The launcher moves with its position.
    page.select_option("#launcher_position", "top-left")
    moved = preview.locator(f".shc.shc-l.shc-t {LAUNCHER}")
    expect(moved).to_be_visible()
    frame, box = page.locator("#theme-preview").bounding_box(), moved.bounding_box()
    assert box is not None and frame is not None
    assert box["x"] - frame["x"] < frame["width"] / 2 and box["y"] - frame["y"] < 100
    assert problems == []


def test_low_contrast_is_flagged_live_and_saved_only_with_save_anyway(
    page: Page, live: Live
) -> None:
    problems = watch(page)
    _open(page, live)
    contrast = page.locator("#contrast-text")
    expect(contrast).to_contain_text("passes WCAG AA")
    expect(page.locator("#save-anyway")).to_be_hidden()
    page.fill("#brand_color", "#ffd33d")
    page.uncheck("#text_color_auto")
    page.fill("#text_color", "#ffffff")
    expect(contrast).to_contain_text("1.43:1 — below WCAG AA")
    expect(page.locator("#save-anyway")).to_be_visible()

    # Saved without ticking it: the server asks again, nothing stored.
    page.click(SAVE)
    expect(page.locator('[data-notice="confirm"]')).to_be_visible()
    assert _stored_theme(live).get("brand_color") != "#ffd33d"
    page.check("input[name=save_anyway]")
    page.click(SAVE)
    expect(page.locator('[data-notice="saved"]')).to_be_visible()
    assert _stored_theme(live)["brand_color"] == "#ffd33d"
    assert _stored_theme(live)["text_color"] == "#ffffff"
    # Back to a readable theme for the other test (module-scoped server).
    page.check("#text_color_auto")
    expect(contrast).to_contain_text("passes WCAG AA")
    page.click(SAVE)
    expect(page.locator('[data-notice="saved"]')).to_be_visible()
    # The one answer that asked for the confirmation.
    assert problems == [f"409 {live.workspace}/theme"]
