"""The dashboard at `/` in chromium: the world, the live journal and its details, the records.

Each test names users of its own, so the tests share one mock without resetting it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from mock_process import running_mock

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser

AUTHORIZATION = {"Authorization": "Api-Key demo"}
PROBLEM = "disclaimer: A valid integer is required."
CONTROL_KEY = "dashboard-test-key"
NOT_FOUND = '{"detail": "Not found."}'


def agreements(user: str) -> str:
    return f"/api/ai-mentor/orgs/main/users/{user}/disclaimer-agreements/"


def journal_row(page: Page, path: str) -> Any:
    return page.locator("#journal-rows tr", has_text=path)


def test_the_journal_shows_a_refused_request_and_its_details(
    page: Page, expect: Any, mock_url: str
) -> None:
    path = agreements("dashboard-refused")
    refused = httpx.post(mock_url + path, json={"disclaimer": "x"}, headers=AUTHORIZATION)
    assert refused.status_code == 400
    page.goto(f"{mock_url}/")

    row = journal_row(page, path)
    expect(row).to_contain_text("POST")
    expect(row).to_contain_text("ai_mentor_orgs_users_disclaimer_agreements_create")
    expect(row.locator("td").nth(5)).to_have_text("400")
    expect(row).to_contain_text(PROBLEM)

    row.click()
    details = page.locator("#entry")
    expect(details).to_be_visible()
    expect(page.locator("#entry-title")).to_contain_text(f"POST {path}")
    fields = page.locator("#entry-fields")
    expect(fields).to_contain_text(PROBLEM)
    expect(fields).to_contain_text('"disclaimer": "x"')  # the body as sent
    expect(fields).to_contain_text('"authorization": "Api-Key •••"')  # masked by the journal


def test_the_journal_is_live_and_shows_data_as_text(page: Page, expect: Any, mock_url: str) -> None:
    page.goto(f"{mock_url}/")
    expect(page.locator("#status")).to_contain_text("updated")
    # Made after the page has drawn: only polling brings it in.
    listed = httpx.get(mock_url + agreements("dashboard-live"), headers=AUTHORIZATION)
    assert listed.status_code == 200
    expect(journal_row(page, agreements("dashboard-live"))).to_contain_text("200")

    markup = "/api/<b>dashboard-markup</b>/"
    assert httpx.get(mock_url + markup).status_code == 404
    expect(journal_row(page, markup)).to_contain_text("404")
    assert page.locator("#journal-rows b").count() == 0  # drawn as text, never as markup


def test_the_world_and_the_records_panels(page: Page, expect: Any, mock_url: str) -> None:
    page.goto(f"{mock_url}/")
    world = page.locator("#world-rows")
    alice = world.locator("tr", has_text="alice")
    expect(alice).to_contain_text("learner")
    expect(alice).to_contain_text("Token main-alice-token-91c4e7a0")
    expect(world).to_contain_text("Api-Key main-platform-key-7c1e9a52")
    expect(page.locator("#world-auth")).to_contain_text("--auth any")

    counts = httpx.get(f"{mock_url}/__mock__/state").json()["resources"]
    records = page.locator("#records-rows tr", has_text="DisclaimerAgreement")
    expect(records).to_contain_text(str(counts["DisclaimerAgreement"]))
    records.locator("a").click()
    expect(page.locator("#browse-title")).to_contain_text(agreements("admin"))
    expect(page.locator("#browse-body")).to_contain_text('"count"')
    expect(page.locator("#browse-body")).to_contain_text("200")


def test_a_session_is_listed_and_viewed(page: Page, expect: Any, mock_url: str) -> None:
    name = "dashboard-session"
    path = agreements("dashboard-in-session")
    headers = {**AUTHORIZATION, "X-Mock-Session": name}
    assert httpx.post(mock_url + path, json={"disclaimer": "x"}, headers=headers).status_code == 400
    page.goto(f"{mock_url}/")
    expect(page.locator("#viewing")).to_have_text("session: default")
    expect(page.locator("#status")).to_contain_text("updated")
    expect(journal_row(page, path)).to_have_count(0)  # the default session's journal

    page.locator("#sessions-rows tr", has_text=name).click()
    expect(page.locator("#viewing")).to_have_text(f"session: {name}")
    expect(journal_row(page, path)).to_contain_text(PROBLEM)
    expect(page.locator("#sessions-rows tr.selected")).to_contain_text(name)


def test_the_sessions_panel_hides_when_the_mock_has_none(
    page: Page, expect: Any, mock_url: str
) -> None:
    missing = {"now": False}

    def sessions(route: Any) -> None:
        if missing["now"]:  # as a mock without sessions answers
            route.fulfill(status=404, content_type="application/json", body=NOT_FOUND)
        else:
            route.continue_()

    page.route(f"{mock_url}/__mock__/sessions", sessions)
    page.goto(f"{mock_url}/")
    expect(page.locator("#sessions")).to_be_visible()
    missing["now"] = True
    expect(page.locator("#sessions")).to_be_hidden()
    expect(page.locator("#world-rows")).to_contain_text("alice")  # the rest stays


@pytest.fixture(scope="module")
def keyed_mock_url() -> Iterator[str]:
    with running_mock("--control-key", CONTROL_KEY) as url:
        yield url


def test_a_control_key_is_asked_for_then_sent(page: Page, expect: Any, keyed_mock_url: str) -> None:
    page.goto(f"{keyed_mock_url}/")
    form = page.locator("#control-key")
    expect(form).to_be_visible()
    expect(page.locator("#control-key-problem")).to_contain_text("X-Mock-Control-Key")
    expect(page.locator("#world-rows")).to_be_empty()

    page.locator("#control-key-input").fill(CONTROL_KEY)
    page.locator("#control-key-form button").click()
    expect(form).to_be_hidden()
    expect(page.locator("#world-rows")).to_contain_text("alice")
    expect(page.locator("#status")).to_contain_text("updated")
    stored = page.evaluate("sessionStorage.getItem('ibl-mock-control-key')")
    assert stored == CONTROL_KEY
