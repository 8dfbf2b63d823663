"""The visual builder in real Chromium (#14): opened from the console's "Open in my app" with
an edit grant in the fragment (which leaves the URL at once), steps picked on two pages of the
host app and their texts edited in both languages, the draft saved through the builder API and,
once published, played to an end user as any tour; an ended grant keeps every unsaved step."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Browser, Page, expect
from shirube.services.admins import Admin
from shirube.storage import Database
from shirube.storage.tables import event
from sqlalchemy import select

from tests.widget.builder_support import (
    PASSWORD,
    add_and_pick,
    edit_grant,
    editor,
    get_json,
    kept_state,
    live_db,
    open_builder,
    panel_of,
    tour_key,
)
from tests.widget.helpers import advance, card, wait_for
from tests.widget.servers import HostPages, LiveShirube

pytestmark = pytest.mark.browser
__all__ = ["editor", "live_db", "tour_key"]  # fixtures, used by name


def test_build_save_publish_play(
    page: Page,
    browser: Browser,
    shirube: LiveShirube,
    host: HostPages,
    user_id: str,
    editor: tuple[str, Admin],
    tour_key: str,
    page_errors: list[str],
) -> None:
    # The console: sign in, "Open in my app" on the tour, a path of the host app.
    page.goto(shirube.base_url + "/console/login")
    page.fill("input[name=email]", editor[0])
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.goto(
        f"{shirube.base_url}/console/workspaces/{shirube.workspace_id}/tours/{tour_key}/open-in-app"
    )
    app_url = host.url("/admin.html", user_id)
    page.fill("input[name=path]", app_url.removeprefix(host.origin))
    page.locator("form[data-form=open-in-app] button[type=submit]").click()
    # The grant is gone from the address bar (and the history entry) at once.
    expect(page).to_have_url(app_url)
    panel = panel_of(page)
    expect(panel).to_contain_text(tour_key)
    assert page.evaluate("location.hash") == ""
    assert "shirube-edit" not in page.evaluate("history.state === null ? location.href : ''")

    add_and_pick(page, "#content-export", "Export your data", "データを書き出す")
    # Pick mode is off again: the app works as usual (no pick on this click).
    expect(panel.locator("[data-action=pick]")).to_have_attribute("aria-pressed", "false")
    expect(panel.locator("input[name=page]")).to_have_value("/admin.html")
    # The live preview: the step's card on the real element, as the end user will see it.
    expect(card(page, "step-2")).to_be_visible()

    # Another page of the app (a full load): the builder and its unsaved steps come back.
    page.goto(host.url("/template.html", user_id))
    expect(panel.locator("[data-part=dirty]")).to_be_visible()
    expect(panel.locator("ol button")).to_have_count(2)
    add_and_pick(page, "#tpl-export", "Export from the list", "一覧から書き出す")
    expect(panel.locator("input[name=page]")).to_have_value("/template.html")

    panel.locator("[data-action=save]").click()
    saved_or_refused = panel.locator("[data-part=message]")
    expect(saved_or_refused).to_be_visible()
    expect(saved_or_refused).to_have_text("Draft saved.")

    draft = get_json(shirube, f"/api/v1/tours/{tour_key}")["draft"]
    steps = draft["steps"]
    assert [s["id"] for s in steps] == ["hello", "step-2", "step-3"]
    first, second = steps[1], steps[2]
    assert first["page"] == "/admin.html" and second["page"] == "/template.html"
    assert first["title"] == {"en": "Export your data", "ja": "データを書き出す"}
    assert first["target"]["css"] == "#content-export"
    assert first["target"]["text"] == "Export"
    assert {f["by"] for f in first["target"]["fallbacks"]} >= {"aria", "path"}
    assert second["target"]["css"] == "#tpl-export"

    shirube.post(f"/api/v1/tours/{tour_key}/publish", {})
    # A new end user, another browser session: the tour plays as any tour.
    other = browser.new_context()
    try:
        user = other.new_page()
        user.goto(host.url("/admin.html", f"end-{user_id}", tour=tour_key))
        advance(card(user, "hello"))
        shown = card(user, "step-2")
        expect(shown).to_contain_text("Export your data")
        advance(shown)
        user.goto(host.url("/template.html", f"end-{user_id}"))
        expect(card(user, "step-3")).to_contain_text("Export from the list")
    finally:
        other.close()


def test_an_ended_grant_keeps_the_steps(
    page: Page,
    live_db: Database,
    shirube: LiveShirube,
    host: HostPages,
    user_id: str,
    editor: tuple[str, Admin],
    tour_key: str,
    page_errors: list[str],
) -> None:
    admin = editor[1]
    grant = edit_grant(live_db, shirube, host, admin, tour_key)
    panel = open_builder(page, host.url("/admin.html", user_id), grant)
    expect(panel).to_contain_text(tour_key)
    add_and_pick(page, "#content-export", "Kept", "残る")

    # The grant expires while the editor works: saving ends the builder with a message.
    expired = edit_grant(live_db, shirube, host, admin, tour_key, now=time.time() - 901)
    page.evaluate("g => sessionStorage.setItem('shirube:edit', g)", expired)
    panel.locator("[data-action=save]").click()
    message = panel.locator("[data-part=message]")
    expect(message).to_contain_text("Your edit session has expired")
    assert page.evaluate("sessionStorage.getItem('shirube:edit')") is None
    kept = kept_state(page, shirube.public_key, tour_key)
    assert kept["dirty"] and kept["draft"]["steps"][1]["title"]["en"] == "Kept"

    # On the next page the builder does not come back (no grant) ...
    page.goto(host.url("/template.html", user_id))
    page.wait_for_function("() => window.shirubeReady === true")
    expect(panel).to_have_count(0)
    # ... until the editor opens it again from the console: the unsaved step is back.
    fresh = edit_grant(live_db, shirube, host, admin, tour_key)
    open_builder(page, host.url("/admin.html", user_id), fresh)
    expect(panel.locator("[data-part=message]")).to_contain_text("restored")
    expect(panel.locator("ol button")).to_have_count(2)
    expect(panel.locator("ol button").nth(1)).to_contain_text("Kept")

    # An expired grant from the start says so too, and keeps them all the same.
    open_builder(page, host.url("/template.html", user_id), expired)
    expect(panel.locator("[data-part=message]")).to_contain_text("expired")
    kept = kept_state(page, shirube.public_key, tour_key)
    assert kept["draft"]["steps"][1]["title"]["en"] == "Kept"


def test_preview_plays_the_draft_from_the_current_step(
    page: Page,
    live_db: Database,
    shirube: LiveShirube,
    host: HostPages,
    user_id: str,
    editor: tuple[str, Admin],
    tour_key: str,
    page_errors: list[str],
) -> None:
    grant = edit_grant(live_db, shirube, host, editor[1], tour_key)
    panel = open_builder(page, host.url("/admin.html", user_id), grant)
    add_and_pick(page, "#content-export", "Export your data", "データを書き出す")
    # Japanese in the preview: the texts of that language.
    panel.locator("[data-lang=ja]").click()
    expect(card(page, "step-2")).to_contain_text("データを書き出す")
    panel.locator("[data-action=preview]").click()
    expect(panel.locator("[data-action=stop-preview]")).to_be_visible()
    played = card(page, "step-2")
    expect(played).to_contain_text("データを書き出す")
    # As end users see it: the last step's button ends the tour, and the builder is back.
    expect(played.locator("[data-shirube-action=done]")).to_be_visible()
    played.locator("[data-shirube-action=done]").click()
    expect(panel.locator("[data-action=preview]")).to_be_visible()
    # The placement chosen shows live on the real element.
    panel.locator("select[name=placement]").select_option("bottom")
    target = page.locator("#content-export").bounding_box()
    shown = card(page, "step-2").bounding_box()
    assert target is not None and shown is not None
    assert shown["y"] >= target["y"] + target["height"] - 1
    # Texts are edited in place on the card too; the panel's field follows.
    heading = card(page, "step-2").locator("[data-shirube-edit=title]")
    heading.click()
    page.keyboard.press("Control+A")
    page.keyboard.type("その場で編集")
    expect(panel.locator("input[name=title-ja]")).to_have_value("その場で編集")
    kept = kept_state(page, shirube.public_key, tour_key)
    assert kept["draft"]["steps"][1]["title"] == {"ja": "その場で編集", "en": "Export your data"}


def test_end_users_never_download_the_builder(
    page: Page, host: HostPages, user_id: str, page_errors: list[str]
) -> None:
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(host.url("/admin.html", user_id))
    page.wait_for_function("() => window.shirubeReady === true")
    assert [url for url in requested if "builder" in url] == []
    assert page.locator("shirube-root[data-shirube-builder]").count() == 0


def test_a_hotspot_step_previews_with_its_beacon(
    page: Page,
    live_db: Database,
    shirube: LiveShirube,
    host: HostPages,
    user_id: str,
    editor: tuple[str, Admin],
    tour_key: str,
    page_errors: list[str],
) -> None:
    """The builder's copy of the tour runner loads the widget's `extras` chunk (the beacon)
    from the server, next to builder.js."""
    grant = edit_grant(live_db, shirube, host, editor[1], tour_key)
    panel = open_builder(page, host.url("/admin.html", user_id), grant)
    panel.locator("[data-action=add-hotspot]").click()
    page.locator("#nav-search").click()
    expect(panel.locator("select[name=kind]")).to_have_value("hotspot")
    panel.locator("[data-action=preview]").click()
    beacon = page.locator('[data-shirube="hotspot"][data-shirube-step="step-2"]')
    expect(beacon).to_be_visible()
    panel.locator("[data-action=stop-preview]").click()
    expect(panel.locator("[data-action=preview]")).to_be_visible()
    # Back to editing: the live preview shows the beacon again (one, not the preview's).
    expect(beacon).to_have_count(1)


def test_targets_picked_in_the_builder_survive_a_host_release(
    page: Page,
    browser: Browser,
    live_db: Database,
    shirube: LiveShirube,
    host: HostPages,
    user_id: str,
    editor: tuple[str, Admin],
    tour_key: str,
    page_errors: list[str],
) -> None:
    """Picked on robust.html; played on robust-changed.html (ids removed, classes renamed to
    hashes, an element moved): every step still finds its element through a fallback."""
    grant = edit_grant(live_db, shirube, host, editor[1], tour_key)
    panel = open_builder(page, host.url("/robust.html", user_id), grant)
    for selector, title in (
        ("#nav-employees", "People"),
        ("#import-csv", "Import"),
        ("#clock-in", "Clock"),
    ):
        add_and_pick(page, selector, title, title)
        # The page pattern is editable: the release renames the page too.
        panel.locator("input[name=page]").fill("/robust*")
    panel.locator("[data-action=save]").click()
    expect(panel.locator("[data-part=message]")).to_have_text("Draft saved.")
    shirube.post(f"/api/v1/tours/{tour_key}/publish", {})

    other = browser.new_context()
    try:
        user = other.new_page()
        user.goto(host.url("/robust-changed.html", f"end-{user_id}", tour=tour_key))
        advance(card(user, "hello"))
        for step in ("step-2", "step-3", "step-4"):
            shown = card(user, step)
            expect(shown).to_be_visible()
            advance(shown)
        # Completed, every step on its element: nothing reported missing.
        end_user = f"end-{user_id}"
        wait_for(lambda: shirube.events(end_user, "$tour_completed"), "tour never completed")
        assert shirube.events(end_user, "$target_missing") == []
    finally:
        other.close()


def test_a_draft_saved_elsewhere_is_never_overwritten_silently(
    page: Page,
    live_db: Database,
    shirube: LiveShirube,
    host: HostPages,
    user_id: str,
    editor: tuple[str, Admin],
    tour_key: str,
    page_errors: list[str],
) -> None:
    grant = edit_grant(live_db, shirube, host, editor[1], tour_key)
    panel = open_builder(page, host.url("/admin.html", user_id), grant)
    add_and_pick(page, "#content-export", "Mine", "私の")
    # Meanwhile someone saves the draft in the console.
    theirs = get_json(shirube, f"/api/v1/tours/{tour_key}")["draft"]
    theirs["steps"].append({"id": "theirs", "kind": "modal", "title": "Theirs"})
    shirube.post(f"/api/v1/tours/{tour_key}", theirs, method="PUT")

    panel.locator("[data-action=save]").click()
    expect(panel.locator("[data-part=message]")).to_contain_text("saved elsewhere")
    steps = get_json(shirube, f"/api/v1/tours/{tour_key}")["draft"]["steps"]
    assert [s["id"] for s in steps] == ["hello", "theirs"]  # not overwritten
    panel.locator("[data-action=keep-mine]").click()
    expect(panel.locator("[data-part=message]")).to_have_text("Draft saved.")
    steps = get_json(shirube, f"/api/v1/tours/{tour_key}")["draft"]["steps"]
    assert [s["id"] for s in steps] == ["hello", "step-2"]


def test_the_grant_reaches_no_stored_event(
    page: Page,
    shirube: LiveShirube,
    host: HostPages,
    live_db: Database,
    user_id: str,
    editor: tuple[str, Admin],
    tour_key: str,
    page_errors: list[str],
) -> None:
    """Events carry the page's URL ($page_viewed, $target_missing): the grant leaves the URL
    before any of them reads it, also for a returning user whose session is painted from the
    cache before the core's hook runs. Otherwise anyone reading the workspace's events (a
    viewer, an export) would hold an editor's grant."""
    page.goto(host.url("/template.html", user_id))
    page.wait_for_function("() => window.shirubeReady === true")
    grant = edit_grant(live_db, shirube, host, editor[1], tour_key)
    open_builder(page, host.url("/admin.html", user_id), grant)
    expect(panel_of(page)).to_contain_text(tour_key)
    page.goto(host.url("/template.html", user_id))  # the outbox's beacon on pagehide
    page.wait_for_function("() => window.shirubeReady === true")

    def urls() -> list[str]:
        rows = live_db.run_sync(
            lambda conn: conn.all(
                select(event.c.properties).where(
                    event.c.user_id == user_id, event.c.name == "$page_viewed"
                )
            )
        )
        return [str(row[0]) for row in rows]

    seen = wait_for(lambda: [u for u in urls() if "admin.html" in u], "no page view of admin.html")
    assert all("shirube-edit" not in u for u in urls()), seen
