"""Swagger UI at /docs/, as a person uses it: authorize, try an operation out, read the answer."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import httpx
import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser

OPERATION = "ai_mentor_orgs_users_disclaimer_agreements_list"
TAG = "ai-mentor"
PATH = "/api/ai-mentor/orgs/main/users/alice/disclaimer-agreements/"
AUTHORIZATION = "Api-Key demo"


def test_try_it_out_with_the_api_key_gets_the_mocks_200(
    page: Page, expect: Any, mock_url: str
) -> None:
    page.goto(f"{mock_url}/docs/")
    # The document's api-key scheme, in Swagger UI's Authorize dialog.
    page.locator(".auth-wrapper button.authorize").click()
    dialog = page.locator(".modal-ux")
    expect(dialog).to_contain_text("PlatformApiKeyAuthentication")
    dialog.locator("input").fill(AUTHORIZATION)
    dialog.locator(".auth-btn-wrapper button.authorize").click()
    dialog.locator("button.btn-done").click()

    page.locator(f"#operations-tag-{TAG}").click()  # operations are collapsed under tags
    operation = page.locator(f"#operations-{TAG}-{OPERATION}")
    operation.locator(".opblock-summary").click()
    operation.locator("button.try-out__btn").click()
    operation.locator("tr[data-param-name='org'] input").fill("main")
    operation.locator("tr[data-param-name='user_id'] input").fill("alice")
    operation.locator("button.execute").click()

    answer = operation.locator(".live-responses-table tbody tr.response").first
    expect(answer.locator(".response-col_status")).to_have_text("200")
    expect(answer.locator(".response-col_description")).to_contain_text('"count"')
    expect(operation.locator(".request-url")).to_contain_text(f"{mock_url}{PATH}")

    # The mock answered it, with the key from the dialog.
    journal = httpx.get(f"{mock_url}/__mock__/requests", params={"path": PATH}).json()
    sent = [entry for entry in journal["results"] if entry["operation"] == OPERATION]
    assert sent, journal
    assert sent[0]["status"] == 200
    assert sent[0]["headers"]["authorization"] == "Api-Key •••"
