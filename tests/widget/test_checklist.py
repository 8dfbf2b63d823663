"""The checklist: launcher with progress at a glance, panel with a progress bar, items that
complete live (from the widget's own events and from the host backend's), toasts, the finishing
message and the survey."""

from __future__ import annotations

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.widget.content import CHECKLIST_ROLE, LONG_LIST_ROLE, SURVEY_ROLE, TOAST_TEXT
from tests.widget.helpers import (
    advance,
    assert_inside_viewport,
    box,
    card,
    eventually,
    wait_for,
    wait_ready,
)
from tests.widget.servers import HostPages, LiveShirube

pytestmark = pytest.mark.browser

PANEL = '[data-shirube="checklist"][data-checklist="basics"]'


def open_panel(page: Page) -> Locator:
    """Open the panel whatever its state (`openChecklist` is idempotent, a launcher click
    toggles: the panel may open by itself after a completion)."""
    page.evaluate("Shirube.openChecklist('basics')")
    panel = page.locator(PANEL)
    expect(panel).to_be_visible()
    return panel


def test_checklist_items_complete_live_with_toasts_then_the_survey(
    page: Page, host: HostPages, shirube: LiveShirube, user_id: str, page_errors: list[str]
) -> None:
    page.goto(host.url("/admin.html", user_id, role=CHECKLIST_ROLE))
    wait_ready(page)
    launcher = page.locator('button[data-shirube="launcher"]')
    expect(launcher).to_contain_text("0/2")
    panel = page.locator(PANEL)
    expect(panel).to_be_hidden()  # the panel starts closed; the launcher opens it
    launcher.click()
    expect(panel).to_be_visible()
    bar = panel.locator('[data-shirube="progress"][role="progressbar"]')
    expect(bar).to_have_attribute("aria-valuenow", "0")
    expect(bar).to_have_attribute("aria-valuemin", "0")
    expect(bar).to_have_attribute("aria-valuemax", "100")
    expect(panel.locator('[data-shirube-item="take-tour"]')).to_have_attribute("data-state", "todo")

    # The item's action starts its tour; finishing the tour completes the item (events answer).
    panel.locator('[data-shirube-item="take-tour"] [data-shirube-action="item"]').click()
    advance(card(page, "ct"))
    toasts = page.locator('[data-shirube="toast"]')
    expect(toasts.filter(has_text="Tour done!")).to_be_visible()
    expect(launcher).to_contain_text("1/2")
    panel = open_panel(page)
    expect(panel.locator('[data-shirube-item="take-tour"]')).to_have_attribute("data-state", "done")
    expect(panel.locator('[data-shirube="progress"]')).to_have_attribute("aria-valuenow", "50")

    # The host backend reports an event; the widget's next session call picks it up.
    answer = shirube.post(
        "/api/v1/events",
        {"events": [{"id": f"imp-{user_id}", "name": "employees_imported", "user_id": user_id}]},
    )
    assert answer["completed_items"] == [
        {"user_id": user_id, "checklist": "basics", "item": "import"}
    ]
    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    expect(toasts.filter(has_text=TOAST_TEXT)).to_be_visible()
    panel = open_panel(page)
    expect(panel.locator('[data-shirube-item="import"]')).to_have_attribute("data-state", "done")
    expect(panel.locator('[data-shirube="progress"]')).to_have_attribute("aria-valuenow", "100")
    expect(page.locator('[data-shirube="checklist-done"]')).to_contain_text("All set!")

    survey = page.locator('[data-shirube="survey"]')
    expect(survey).to_be_visible()
    survey.locator('button[data-shirube-rating="4"]').click()
    survey.locator('textarea[data-shirube-field="comment"]').fill("Smooth")
    survey.locator('[data-shirube-action="submit"]').click()
    answers = wait_for(lambda: shirube.events(user_id, "$survey_answered"), "no $survey_answered")
    assert answers[0]["properties"] == {"checklist": "basics", "rating": 4, "comment": "Smooth"}


def test_the_panel_remembers_per_user_whether_it_was_open_or_minimised(
    page: Page, host: HostPages, user_id: str, page_errors: list[str]
) -> None:
    page.goto(host.url("/admin.html", user_id, role=CHECKLIST_ROLE))
    wait_ready(page)
    page.locator('button[data-shirube="launcher"]').click()
    expect(page.locator(PANEL)).to_be_visible()
    page.reload()
    wait_ready(page)
    expect(page.locator(PANEL)).to_be_visible()
    page.locator(PANEL).locator('[data-shirube-action="minimize"]').click()
    expect(page.locator(PANEL)).to_be_hidden()
    page.reload()
    wait_ready(page)
    expect(page.locator('button[data-shirube="launcher"]')).to_be_visible()
    expect(page.locator(PANEL)).to_be_hidden()


def test_a_long_checklist_fits_a_phone_and_its_last_item_is_reachable(
    page: Page, host: HostPages, user_id: str, page_errors: list[str]
) -> None:
    page.set_viewport_size({"width": 360, "height": 640})
    page.goto(host.url("/admin.html", user_id, role=LONG_LIST_ROLE))
    wait_ready(page)
    page.locator('button[data-shirube="launcher"]').click()
    panel = page.locator('[data-shirube="checklist"][data-checklist="long-list"]')
    expect(panel).to_be_visible()
    eventually(lambda: assert_inside_viewport(page, box(panel)))
    panel.locator('[data-shirube-item="item-20"] [data-shirube-action="item"]').click()
    expect(card(page, "ct")).to_be_visible()


def test_an_item_completed_between_two_page_loads_is_celebrated_once(
    page: Page, host: HostPages, shirube: LiveShirube, user_id: str, page_errors: list[str]
) -> None:
    url = host.url("/admin.html", user_id, role=CHECKLIST_ROLE)
    page.goto(url)
    launcher = page.locator('button[data-shirube="launcher"]')
    expect(launcher).to_contain_text("0/2")
    # A classic multi-page app: the backend records the import, then the next page loads.
    event = {"id": f"imp-{user_id}", "name": "employees_imported", "user_id": user_id}
    shirube.post("/api/v1/events", {"events": [event]})
    page.goto(url)
    toasts = page.locator('[data-shirube="toast"]')
    expect(toasts.filter(has_text=TOAST_TEXT)).to_be_visible()
    expect(launcher).to_contain_text("1/2")
    page.reload()
    wait_ready(page)
    expect(launcher).to_contain_text("1/2")
    expect(toasts.filter(has_text=TOAST_TEXT)).to_have_count(0)


def test_the_panel_is_a_chunk_loaded_on_first_open_only(
    page: Page, host: HostPages, user_id: str, page_errors: list[str]
) -> None:
    """Most page views show the launcher only: the panel's code loads when it first opens
    (#15), once per page."""
    chunks: list[str] = []
    page.on(
        "request", lambda request: "/widget/chunks/" in request.url and chunks.append(request.url)
    )
    page.goto(host.url("/admin.html", user_id, role=CHECKLIST_ROLE))
    wait_ready(page)
    launcher = page.locator('button[data-shirube="launcher"]')
    expect(launcher).to_contain_text("0/2")
    assert chunks == []
    launcher.click()
    panel = page.locator(PANEL)
    expect(panel).to_be_visible()
    launcher.click()
    expect(panel).to_be_hidden()
    launcher.click()
    expect(panel).to_be_visible()
    assert len(chunks) == 1 and "/widget/chunks/panel." in chunks[0]
    assert page_errors == []


SUBMIT_IS_TOPMOST = """(button) => {
  const r = button.getBoundingClientRect();
  const x = r.left + r.width / 2, y = r.top + r.height / 2;
  let hit = document.elementFromPoint(x, y);
  while (hit && hit.shadowRoot && hit.shadowRoot.elementFromPoint(x, y) !== hit) {
    hit = hit.shadowRoot.elementFromPoint(x, y);
  }
  return hit === button;
}"""


@pytest.mark.parametrize("height", [560, 360], ids=["phone", "phone-landscape"])
def test_the_survey_fits_a_phone_and_its_send_button_stays_visible(
    page: Page, host: HostPages, shirube: LiveShirube, user_id: str, page_errors: list[str],
    height: int,
) -> None:  # fmt: skip
    """The panel scrolls inside, fits the viewport and keeps its primary button in view (#15)."""
    shirube.post(
        "/api/v1/events",
        {
            "events": [
                {"id": f"sv{n}-{user_id}", "name": f"survey_step_{n}", "user_id": user_id}
                for n in range(1, 7)
            ]
        },
    )
    page.set_viewport_size({"width": 360, "height": height})
    page.goto(host.url("/admin.html", user_id, role=SURVEY_ROLE))
    wait_ready(page)
    page.evaluate("Shirube.openChecklist('survey-phone')")
    panel = page.locator('[data-shirube="checklist"][data-checklist="survey-phone"]')
    expect(panel.locator('[data-shirube="survey"]')).to_be_visible()
    send = panel.locator('[data-shirube-action="submit"]')
    eventually(lambda: assert_inside_viewport(page, box(panel)))
    assert_inside_viewport(page, box(send))
    assert send.evaluate(SUBMIT_IS_TOPMOST), "the send button is covered or cut off"
    panel.locator('button[data-shirube-rating="5"]').click()
    expect(send).to_be_enabled()
    send.click()
    expect(panel.locator('[data-shirube="survey-thanks"]')).to_be_visible()
