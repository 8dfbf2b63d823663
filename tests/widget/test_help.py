"""The help centre (#15): the launcher stays as the help entry once no checklist is left to do,
the help loads as a chunk of its own on first open, and its search works for Japanese
(substrings, full-/half-width and kana forms alike) and English."""

from __future__ import annotations

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.widget.content import HELP_LIST_ROLE, HELP_ROLE
from tests.widget.helpers import eventually, wait_ready
from tests.widget.servers import HostPages, LiveShirube

pytestmark = pytest.mark.browser

LAUNCHER = 'button[data-shirube="launcher"]'
HELP = '[data-shirube="help"]'


def results(page: Page) -> Locator:
    return page.locator(f"{HELP} [data-help-entry]")


def search(page: Page, query: str) -> None:
    page.locator('[data-shirube="help-search"]').fill(query)


def test_japanese_search_under_a_strict_csp_with_the_chunk_loaded_on_first_open(
    page: Page, host: HostPages, shirube: LiveShirube, user_id: str, page_errors: list[str]
) -> None:
    chunks: list[str] = []
    page.on(
        "request", lambda request: "/widget/chunks/" in request.url and chunks.append(request.url)
    )
    violations: list[str] = []
    page.on(
        "console", lambda msg: "Content Security Policy" in msg.text and violations.append(msg.text)
    )
    page.goto(host.url("/csp.html", user_id, role=HELP_ROLE, locale="ja", csp="1"))
    wait_ready(page)
    launcher = page.locator(LAUNCHER)
    # No checklist for this user: the launcher is the help centre's.
    expect(launcher).to_have_text("ヘルプ")
    expect(launcher).to_have_attribute("aria-label", "ヘルプ")
    assert chunks == []

    launcher.click()
    help_view = page.locator(HELP)
    expect(help_view).to_be_visible()
    expect(page.locator('[data-shirube="checklist"] [role="tablist"]')).to_have_count(0)
    expect(results(page)).to_have_count(4)  # the checklist entry is not this user's
    expect(page.locator('[data-shirube="help-contact"]')).to_have_attribute(
        "href", "mailto:support@example.com"
    )

    search(page, "従業員")
    expect(results(page)).to_have_count(1)
    expect(results(page).first).to_contain_text("従業員を CSV で取り込む")
    # Full-width Latin letters and half-width katakana are the same words.
    search(page, "ＣＳＶ")
    expect(results(page)).to_have_count(1)
    search(page, "ｲﾝﾎﾟｰﾄ")  # 「インポート」 is in the rules article's body only
    expect(results(page)).to_have_count(1)
    expect(results(page).first).to_have_attribute("data-help-entry", "rules")
    # A title hit ranks above a body hit: 「取り込む」 is in one title, 「確認」 in one body.
    search(page, "従業員の取り込み")  # not a substring: most of its bigrams match
    expect(results(page).first).to_have_attribute("data-help-entry", "csv-import")
    search(page, "給与明細")
    expect(results(page)).to_have_count(0)
    expect(page.locator('[data-shirube="help-status"]')).to_contain_text("見つかりませんでした")
    expect(page.locator('[data-shirube="help-contact"]')).to_be_visible()
    # Tracked once the user stops typing, with whether anything matched: the KPIs' gaps.
    searched = eventually(lambda: _props(shirube, user_id, "$help_searched", 1))
    assert searched[-1] == {"query": "給与明細", "matched": False, "results": 0, "center": "help"}

    search(page, "")
    page.locator('[data-help-article="csv-import"]').click()
    article = page.locator('[data-shirube="help-article"]')
    expect(article.locator("strong")).to_have_text("設定 → 従業員")
    expect(article.locator("a")).to_have_attribute("href", "https://example.com/template.csv")
    page.locator("[data-help-back]").click()
    expect(results(page)).to_have_count(4)

    launcher.click()
    expect(help_view).to_be_hidden()
    launcher.click()
    expect(help_view).to_be_visible()
    assert sorted(c.split("/chunks/")[1].split(".")[0] for c in chunks) == ["help", "panel"]

    opened = eventually(lambda: _props(shirube, user_id, "$help_article_opened", 1))
    assert opened == [{"center": "help", "article": "csv-import"}]
    assert eventually(lambda: _props(shirube, user_id, "$help_opened", 2))
    assert violations == []
    assert page_errors == []


def _props(shirube: LiveShirube, user_id: str, name: str, at_least: int) -> list[dict]:
    found = [event["properties"] for event in shirube.events(user_id, name)]
    assert len(found) >= at_least, found
    return found


def test_english_words_match_from_their_start(
    page: Page, host: HostPages, user_id: str, page_errors: list[str]
) -> None:
    page.goto(host.url("/admin.html", user_id, role=HELP_ROLE))
    wait_ready(page)
    page.locator(LAUNCHER).click()
    search(page, "emp")
    expect(results(page)).to_have_count(1)
    expect(results(page).first).to_contain_text("Import employees from CSV")
    search(page, "ploy")  # inside a word: no match
    expect(results(page)).to_have_count(0)
    search(page, "import csv")  # every word must match
    expect(results(page)).to_have_count(1)
    assert page_errors == []


def test_the_launcher_stays_after_the_checklist_and_finished_ones_can_be_reviewed(
    page: Page, host: HostPages, user_id: str, page_errors: list[str]
) -> None:
    """The bug of #15: after completion the next page showed nothing."""
    url = host.url("/admin.html", user_id, role=HELP_LIST_ROLE, locale="ja")
    page.goto(url)
    wait_ready(page)
    launcher = page.locator(LAUNCHER)
    expect(launcher).to_contain_text("0/1")
    launcher.click()
    panel = page.locator('[data-shirube="checklist"]')
    tabs = panel.locator('[role="tab"]')
    expect(tabs).to_have_text(["チェックリスト", "ヘルプ"])
    expect(tabs.first).to_have_attribute("aria-selected", "true")
    panel.locator('[data-shirube-action="mark-done"]').click()
    expect(panel.locator('[data-shirube="checklist-done"]')).to_be_visible()

    page.goto(url)
    wait_ready(page)
    expect(launcher).to_have_text("ヘルプ")
    launcher.click()
    expect(page.locator(HELP)).to_be_visible()
    expect(tabs.nth(1)).to_have_attribute("aria-selected", "true")
    # "Open this checklist" from the help centre: the finished checklist, to look back at.
    page.locator('[data-help-entry="basics"]').click()
    expect(panel).to_have_attribute("data-checklist", "help-basics")
    expect(panel.locator('[data-shirube-item="hello"]')).to_have_attribute("data-state", "done")
    expect(tabs.first).to_have_attribute("aria-selected", "true")
    tabs.nth(1).click()
    expect(page.locator(HELP)).to_be_visible()
    # "Start this tour" minimises the panel and runs the tour.
    page.locator('[data-help-entry="tour"]').click()
    expect(page.locator('[data-shirube-step="ct"][role="dialog"]')).to_be_visible()
    expect(panel).to_be_hidden()
    assert page_errors == []


def test_an_item_marked_done_counts_on_the_next_page_before_the_server_has_it(
    page: Page, host: HostPages, user_id: str, page_errors: list[str]
) -> None:
    """The event is still in the outbox (here: the events endpoint is unreachable and the
    page's beacon still on its way) when the next page asks for the session: the item stays
    done there."""
    url = host.url("/admin.html", user_id, role=HELP_LIST_ROLE, locale="ja")
    page.add_init_script("navigator.sendBeacon = () => true")
    page.goto(url)
    wait_ready(page)
    page.route("**/api/v1/widget/events", lambda route: route.abort())
    launcher = page.locator(LAUNCHER)
    expect(launcher).to_contain_text("0/1")
    launcher.click()
    panel = page.locator('[data-shirube="checklist"]')
    panel.locator('[data-shirube-action="mark-done"]').click()
    expect(panel.locator('[data-shirube="checklist-done"]')).to_be_visible()
    page.goto(url)
    wait_ready(page)
    expect(launcher).to_have_text("ヘルプ")
