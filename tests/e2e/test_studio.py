"""Issue #14's first test, end to end in Chromium on the demo app (the servers `make demo`
starts, on free ports with temporary databases): an editor who has never seen the content
format signs in to the console, creates a tour from nothing, opens it in Kintai Cloud with
"Open in my app", builds a 3-step tour on two of its pages with the visual builder (texts in
Japanese and English), saves; creates in the console a checklist whose item starts that tour;
publishes both. A new Kintai Cloud user sees exactly that tour and checklist, and the
checklist's progress bar moves when the tour completes. The workspace's content then round
trips through export and import unchanged.

Every wait is on a condition (Playwright's expectations, the API polled with a deadline)."""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect
from shirube.services import audit
from shirube.services.admins import create_admin
from shirube.services.workspaces import create_workspace
from shirube.storage import Database

from tests.demo.conftest import LiveDemo, serve_demo
from tests.demo.kintai import expect_progress, new_company, open_checklist, sign_in, step

pytestmark = pytest.mark.browser

EDITOR_EMAIL = "pm@kintai.example"
PASSWORD = "correct horse battery staple"
TOUR = "first-week"
CHECKLIST = "getting-started"
PLURALS = ("resource_centers", "goals", "checklists", "tours")  # who refers to whom, first


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveDemo]:
    """The demo's servers of our own: this test unpublishes the demo's content."""
    with serve_demo(tmp_path_factory.mktemp("studio")) as demo:
        yield demo


def _until(check: Callable[[], Any], what: str, seconds: float = 10) -> Any:
    deadline = time.monotonic() + seconds
    while not (found := check()):
        if time.monotonic() > deadline:
            pytest.fail(what)
        time.sleep(0.05)
    return found


def _api(live: LiveDemo, method: str, path: str, body: Any = None, key: str = "") -> Any:
    request = urllib.request.Request(
        live.shirube_url + path,
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={
            "Authorization": f"Bearer {key or live.keys.secret_key}",
            "Content-Type": "application/json",
        },
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read() or b"null")


def _nothing_published(live: LiveDemo) -> None:
    """The demo ships its own onboarding; the new user must see only what the editor built."""
    for plural in PLURALS:
        for entry in _api(live, "GET", f"/api/v1/{plural}")["data"]:
            if entry["published_version"] is not None:
                _api(live, "POST", f"/api/v1/{plural}/{entry['key']}/unpublish", {})


def _editor_account(live: LiveDemo) -> None:
    db = Database(f"sqlite:///{live.shirube_db}")
    try:
        workspace = {live.keys.workspace_id: "editor"}
        db.run_sync(lambda conn: create_admin(conn, EDITOR_EMAIL, PASSWORD, workspace))
    finally:
        db.dispose()


def _console_sign_in(page: Page, live: LiveDemo) -> str:
    page.goto(f"{live.shirube_url}/console/login")
    page.fill("input[name=email]", EDITOR_EMAIL)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").last.click()
    expect(page).to_have_url(f"{live.shirube_url}/console/")
    page.click(f'a[href="/console/workspaces/{live.keys.workspace_id}"]')
    return f"{live.shirube_url}/console/workspaces/{live.keys.workspace_id}"


def _create(page: Page, workspace: str, plural: str, key: str, name: str) -> None:
    expect(page).to_have_url(workspace)
    page.click(f"[data-link={plural}]")
    page.click("#content-new")
    page.fill("#new-name", name)
    page.fill("#new-key", key)
    page.locator("form.card button[type=submit]").click()
    expect(page).to_have_url(f"{workspace}/{plural}/{key}")


def _build_the_tour(page: Page, live: LiveDemo) -> None:
    """In Kintai Cloud with the builder: the starting step's texts, then a tooltip on each of
    two pages, picked on the real elements, saved."""
    panel = page.locator('section[data-shirube-builder=""]')
    expect(panel).to_contain_text(TOUR)
    expect(panel.locator("ol button")).to_have_count(1)

    def texts(ja: str, en: str) -> None:
        panel.locator("input[name=title-ja]").fill(ja)
        panel.locator("input[name=title-en]").fill(en)
        panel.locator("textarea[name=body-ja]").fill(ja + "の説明")
        panel.locator("textarea[name=body-en]").fill(en + ": how")

    def pick(selector: str) -> None:
        panel.locator("[data-action=add-tooltip]").click()
        expect(panel.locator("[data-action=pick]")).to_have_attribute("aria-pressed", "true")
        page.click(selector)
        expect(panel.locator("[data-action=pick]")).to_have_attribute("aria-pressed", "false")
        expect(panel.locator("[data-part=matches]")).not_to_have_class("bd w")

    texts("はじめの一週間", "Your first week")
    page.click("#nav-employees")  # the app works as usual outside pick mode
    expect(page).to_have_url(f"{live.url}/employees")
    expect(panel.locator("ol button")).to_have_count(1)
    pick("#import-csv")  # picked, not followed
    expect(page).to_have_url(f"{live.url}/employees")
    texts("従業員を取り込む", "Import your employees")
    # The panel keeps clear of #import-csv, over the app's navigation: the editor folds it
    # to its bar and navigates with the app's own link, then opens it again.
    panel.locator("[data-action=fold]").click()
    page.click("#nav-time-clock")
    expect(page).to_have_url(f"{live.url}/time-clock")
    expect(panel.locator("[data-part=dirty]")).to_be_visible()  # kept across the page load
    panel.locator("[data-action=unfold]").click()
    pick("#clock-in")
    texts("出勤を打刻する", "Clock in")
    panel.locator("[data-action=save]").click()
    expect(panel.locator("[data-part=dirty]")).to_have_count(0)


def _draft_steps(live: LiveDemo) -> list[dict[str, Any]]:
    steps: list[dict[str, Any]] = _api(live, "GET", f"/api/v1/tours/{TOUR}")["draft"]["steps"]
    return steps


def _checklist_in_the_console(page: Page, workspace: str) -> None:
    _create(page, workspace, "checklists", CHECKLIST, "はじめの一週間")
    p = "items.0."
    page.fill(f'[name="{p}title.ja"]', "一週間のツアーを見る")
    page.fill(f'[name="{p}title.en"]', "Take the first-week tour")
    page.select_option(f'[name="{p}action.type"]', "tour")
    page.select_option(f'[name="{p}action.tour"]', TOUR)
    page.select_option(f'[name="{p}completion.type"]', "tour_completed")
    page.select_option(f'[name="{p}completion.tour"]', TOUR)
    page.click("#editor-save")
    expect(page.locator("#unpublished-badge")).to_be_visible()


def test_an_editor_builds_the_onboarding_from_nothing(
    page: Page, browser: Browser, live: LiveDemo
) -> None:
    _nothing_published(live)
    _editor_account(live)
    # The editor has an account in the app too (the builder runs on its signed-in pages).
    editor_in_app = next(u for u in live.store.users() if u.role == "admin")
    sign_in(page, live, editor_in_app.email)

    # 1. The console: a new tour, then "Open in my app" from its page.
    workspace = _console_sign_in(page, live)
    _create(page, workspace, "tours", TOUR, "はじめの一週間")
    opener = page.locator("form[data-form=open-in-app]")
    opener.locator("select[name=origin]").select_option(live.url)
    opener.locator("input[name=path]").fill("/dashboard")
    opener.locator("button[type=submit]").click()
    expect(page).to_have_url(f"{live.url}/dashboard")  # the grant left the address bar
    _build_the_tour(page, live)
    steps = _draft_steps(live)
    assert [(s["id"], s["kind"], s.get("page")) for s in steps] == [
        ("step-1", "modal", None),
        ("step-2", "tooltip", "/employees"),
        ("step-3", "tooltip", "/time-clock"),
    ]
    assert steps[1]["target"]["css"] == "#import-csv"
    assert steps[2]["target"]["css"] == "#clock-in"
    assert steps[2]["title"] == {"ja": "出勤を打刻する", "en": "Clock in"}

    # 2. Back in the console: the checklist whose item starts the tour; both published.
    page.goto(workspace)
    _checklist_in_the_console(page, workspace)
    for plural, key in (("tours", TOUR), ("checklists", CHECKLIST)):
        page.goto(f"{workspace}/{plural}/{key}")
        page.locator("form.publish button[type=submit]").click()
        _until(
            lambda path=f"/api/v1/{plural}/{key}": (
                _api(live, "GET", path)["published_version"] == 1
            ),
            f"{plural} {key} was not published",
        )
    checklist = _api(live, "GET", f"/api/v1/checklists/{CHECKLIST}")["draft"]
    assert checklist["items"][0]["action"] == {"type": "tour", "tour": TOUR}
    assert checklist["items"][0]["completion"] == {"type": "tour_completed", "tour": TOUR}

    # 3. A new Kintai Cloud user, another browser session.
    other = browser.new_context()
    try:
        _the_new_user_takes_the_tour(other.new_page(), live)
    finally:
        other.close()

    # Every change was the editor's, in the console and in the builder alike.
    assert _actors(live) == {EDITOR_EMAIL}

    # 4. Export, import into a fresh workspace, export again: the same document.
    exported = _api(live, "GET", "/api/v1/content/export")
    assert [t["key"] for t in exported["tours"]].count(TOUR) == 1
    fresh = _fresh_workspace(live)
    summary = _api(live, "POST", "/api/v1/content/import", exported, key=fresh)
    assert f"tour:{TOUR}" in summary["created"] and f"checklist:{CHECKLIST}" in summary["created"]
    assert _api(live, "GET", "/api/v1/content/export", key=fresh) == exported
    again = _api(live, "POST", "/api/v1/content/import?publish=false", exported)
    assert again["created"] == again["updated"] == []


def _the_new_user_takes_the_tour(user: Page, live: LiveDemo) -> None:
    new_company(user, live)
    expect_progress(user, 0, 1, key=CHECKLIST)
    # Exactly what the editor built: one checklist, one item, no other tour on screen.
    panel = open_checklist(user, CHECKLIST)
    expect(user.locator('[data-shirube="checklist"]')).to_have_count(1)
    expect(panel.locator("[data-shirube-item]")).to_have_count(1)
    expect(user.locator('[data-shirube="modal"], [data-shirube="tooltip"]')).to_have_count(0)
    item = panel.locator('[data-shirube-item="item-1"]')
    expect(item).to_contain_text("一週間のツアーを見る")
    item.locator('[data-shirube-action="item"]').click()

    modal = step(user, "step-1", "modal")
    expect(modal).to_contain_text("はじめの一週間")
    modal.locator('[data-shirube-action="next"]').click()
    user.click("#nav-employees")
    second = step(user, "step-2")
    expect(second).to_contain_text("従業員を取り込む")
    second.locator('[data-shirube-action="next"]').click()
    user.click("#nav-time-clock")
    third = step(user, "step-3")
    expect(third).to_contain_text("出勤を打刻する")
    third.locator('[data-shirube-action="done"]').click()
    expect(third).to_have_count(0)
    expect_progress(user, 1, 1, key=CHECKLIST)


def _actors(live: LiveDemo) -> set[str]:
    db = Database(f"sqlite:///{live.shirube_db}")
    ws = live.keys.workspace_id
    try:
        found = [
            db.run_sync(lambda conn, s=s: audit.entries(conn, ws, limit=100, subject=s)).entries
            for s in (("tour", TOUR), ("checklist", CHECKLIST))
        ]
    finally:
        db.dispose()
    assert all(found)
    return {entry.actor for entries in found for entry in entries}


def _fresh_workspace(live: LiveDemo) -> str:
    db = Database(f"sqlite:///{live.shirube_db}")
    try:
        created = db.run_sync(lambda conn: create_workspace(conn, "Copy", [live.url]).as_json())
    finally:
        db.dispose()
    return str(created["secret_key"])
