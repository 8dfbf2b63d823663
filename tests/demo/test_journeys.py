"""Kintai Cloud and Shirube together in Chromium: the journeys of issue 4's "Tests"."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.demo.conftest import SAMPLE_CSV, LiveDemo
from tests.demo.kintai import (
    dismiss_welcome,
    expect_progress,
    expect_toast,
    item,
    launcher,
    new_company,
    open_checklist,
    panel,
    sdk,
    sign_in,
    step,
    survey_answer,
    wait_for_progress,
)

pytestmark = pytest.mark.browser


def welcome_modal(page: Page) -> Locator:
    return page.locator('[data-shirube="modal"][data-shirube-step="hello"]')


def start_import_tour(page: Page) -> None:
    open_checklist(page)
    item(page, "import-employees").locator('[data-shirube-action="item"]').click()
    expect(step(page, "open-employees")).to_be_visible()


def test_new_company_admin_goes_from_zero_to_hundred_percent(
    page: Page, live_demo: LiveDemo
) -> None:
    admin = new_company(page, live_demo)
    dismiss_welcome(page)
    expect_progress(page, 0)
    expect(item(page, "import-employees")).to_have_attribute("data-state", "todo")

    # 1. The import the cautionary customer never found: the tour leads to the CSV import.
    start_import_tour(page)
    page.click("#nav-employees")
    expect(page).to_have_url(f"{live_demo.url}/employees")
    expect(step(page, "import-button")).to_be_visible()
    page.click("#import-csv")
    expect(page).to_have_url(f"{live_demo.url}/employees/import")
    file_step = step(page, "file-field")
    expect(file_step).to_be_visible()
    file_step.locator('[data-shirube-action="done"], [data-shirube-action="next"]').first.click()
    expect(file_step).to_have_count(0)
    page.set_input_files("#csv-file", SAMPLE_CSV)
    page.click("#import-submit")
    expect(page.locator("#employee-table tbody tr")).to_have_count(5)
    expect_toast(page, "従業員の取り込みが完了しました!")
    expect_progress(page, 1)
    expect(item(page, "import-employees")).to_have_attribute("data-state", "done")

    # 2. Work rules.
    page.click("#nav-work-rules")
    page.fill("#start_time", "09:30")
    page.click("#save-rules")
    expect(page.locator(".flash")).to_contain_text("就業ルールを保存しました")
    expect_toast(page, "就業ルールを保存しました!")
    expect_progress(page, 2)

    # 3. Invite a manager.
    page.click("#nav-members")
    page.fill("#invite-email", "manager@example.com")
    page.select_option("#invite-role", "manager")
    page.click("#send-invite")
    expect_toast(page, "招待を送りました!")
    expect_progress(page, 3)

    # 4. First clock-in: the page has a hotspot on the button.
    page.click("#nav-time-clock")
    expect(page.locator('button[data-shirube="hotspot"]')).to_be_visible()
    page.click("#clock-in")
    expect(page.locator("#clock-state")).to_contain_text("から勤務中")
    expect_toast(page, "はじめての打刻が完了しました!")
    expect_progress(page, 4)

    # Finished: the celebration, then the closing survey, whose answer the server stores.
    checklist = panel(page)
    expect(checklist.locator('[data-shirube="checklist-done"]')).to_contain_text(
        "初期設定が完了しました"
    )
    survey = checklist.locator('[data-shirube="survey"]')
    expect(survey).to_contain_text("初期設定は問題なく完了しましたか?")
    survey.locator('button[data-shirube-rating="4"]').click()
    survey.locator('textarea[data-shirube-field="comment"]').fill("CSV 取り込みが簡単でした")
    survey.locator('[data-shirube-action="submit"]').click()
    progress = wait_for_progress(live_demo, admin.id, "admin-setup", lambda p: p["survey_answered"])
    assert progress["survey_answered"] is True
    assert progress["completed"] == progress["total"] == 4
    assert survey_answer(live_demo.shirube_db, admin.id) == (4, "CSV 取り込みが簡単でした")


def test_reload_resumes_the_import_tour_and_another_browser_shares_progress(
    page: Page, browser: Browser, live_demo: LiveDemo
) -> None:
    admin = new_company(page, live_demo)
    dismiss_welcome(page)
    start_import_tour(page)
    page.click("#nav-employees")
    expect(step(page, "import-button")).to_be_visible()
    page.reload()
    expect(step(page, "import-button")).to_be_visible()
    page.click("#import-csv")
    expect(step(page, "file-field")).to_be_visible()

    # The same user in another browser (another device): same tour step, same progress.
    other = browser.new_context()
    try:
        second = other.new_page()
        sign_in(second, live_demo, admin.email)
        second.goto(f"{live_demo.url}/employees/import")
        expect(step(second, "file-field")).to_be_visible()
        second.set_input_files("#csv-file", SAMPLE_CSV)
        second.click("#import-submit")
        expect_progress(second, 1)
    finally:
        other.close()
    page.reload()
    expect_progress(page, 1)
    expect(item(page, "import-employees")).to_have_attribute("data-state", "done")


def test_an_employee_sees_only_the_employee_checklist(page: Page, live_demo: LiveDemo) -> None:
    sign_in(page, live_demo, "inoue@hikari.example")
    expect_progress(page, 0, 2, key="employee-start")
    expect(panel(page, "admin-setup")).to_have_count(0)
    expect(welcome_modal(page)).to_have_count(0)  # the welcome modal is for admins
    page.click("#nav-time-clock")
    page.click("#clock-in")
    expect_toast(page, "打刻できました!")
    expect_progress(page, 1, 2, key="employee-start")
    page.click("#nav-timesheet")
    expect_progress(page, 2, 2, key="employee-start")
    expect(panel(page, "employee-start").locator('[data-shirube="checklist-done"]')).to_be_visible()
    page.click("#nav-dashboard")
    page.wait_for_load_state("networkidle")  # the widget's session answered
    expect(welcome_modal(page)).to_have_count(0)  # not later either, after a few pages


def _invite(page: Page, email: str, role: str) -> None:
    page.click("#nav-members")
    page.fill("#invite-email", email)
    page.select_option("#invite-role", role)
    page.click("#send-invite")
    expect(page.locator(".flash")).to_contain_text(email)


def test_inviting_an_employee_does_not_tick_invite_a_manager(
    page: Page, live_demo: LiveDemo
) -> None:
    admin = new_company(page, live_demo)
    dismiss_welcome(page)
    _invite(page, "staff@example.com", "employee")
    # The event was flushed before the redirect: had it counted, the item would be done now.
    page.reload()
    expect_progress(page, 0)
    expect(item(page, "invite-manager")).to_have_attribute("data-state", "todo")
    progress = wait_for_progress(live_demo, admin.id, "admin-setup", lambda p: True)
    assert progress["completed"] == 0

    _invite(page, "boss@example.com", "manager")
    expect_toast(page, "招待を送りました!")
    expect_progress(page, 1)
    expect(item(page, "invite-manager")).to_have_attribute("data-state", "done")


def test_another_companys_admin_sees_none_of_the_first_companys_progress(
    page: Page, browser: Browser, live_demo: LiveDemo
) -> None:
    first = new_company(page, live_demo)
    dismiss_welcome(page)
    page.goto(f"{live_demo.url}/employees/import")
    page.set_input_files("#csv-file", SAMPLE_CSV)
    page.click("#import-submit")
    expect_progress(page, 1)

    other = browser.new_context()
    try:
        second = other.new_page()
        admin = new_company(second, live_demo)
        assert admin.company_id != first.company_id
        dismiss_welcome(second)
        expect_progress(second, 0)
        expect(item(second, "import-employees")).to_have_attribute("data-state", "todo")
        expect(second.locator("#employee-count")).to_have_text("0")
    finally:
        other.close()


def test_an_item_completes_from_a_server_side_event_alone(page: Page, live_demo: LiveDemo) -> None:
    admin = new_company(page, live_demo)
    dismiss_welcome(page)
    expect_progress(page, 0)
    client = sdk(live_demo)
    client.track(admin.id, "work_rules_saved", company_id=admin.company_id)
    client.shutdown()
    page.reload()
    expect(launcher(page)).to_contain_text("1/4")
    # The welcome modal is for the first sign-in only.
    expect(page.locator('[data-shirube="modal"]')).to_have_count(0)
    expect_progress(page, 1)
    expect(item(page, "work-rules")).to_have_attribute("data-state", "done")


def test_english_ui_gets_the_english_onboarding(page: Page, live_demo: LiveDemo) -> None:
    page.goto(f"{live_demo.url}/signin")
    page.click("#switch-language")
    expect(page.locator("h1")).to_have_text("Sign in to the demo")
    sign_in(page, live_demo, "hanako@yamada.example")
    expect(page.locator("h1")).to_have_text("Today's attendance")
    modal = page.locator('[data-shirube="modal"][data-shirube-step="hello"]')
    expect(modal).to_contain_text("Welcome to Kintai Cloud!")
    modal.locator('[data-shirube-action="done"], [data-shirube-action="close"]').first.click()
    expect(open_checklist(page)).to_contain_text("Getting set up")


def test_shirube_refuses_a_widget_session_without_the_identity_token(live_demo: LiveDemo) -> None:
    """The demo workspace runs identity verification in `enforce` mode."""
    body = json.dumps({"public_key": live_demo.keys.public_key, "user_id": "someone-else"})
    request = urllib.request.Request(
        f"{live_demo.shirube_url}/api/v1/widget/session",
        data=body.encode(),
        headers={"Content-Type": "application/json", "Origin": live_demo.url},
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 401
    assert json.load(refused.value)["error"]["code"] == "identity_required"


def test_a_seeded_admin_half_way_through_setup(page: Page, live_demo: LiveDemo) -> None:
    sign_in(page, live_demo, "sato@sakura.example")
    dismiss_welcome(page)
    expect_progress(page, 2)
    expect(item(page, "import-employees")).to_have_attribute("data-state", "done")
    expect(item(page, "invite-manager")).to_have_attribute("data-state", "todo")
