"""The API documentation page works under the registry's strict CSP."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_swagger_ui_renders_without_csp_violations(
    cast: Any, live_server: Any, login: Any
) -> None:
    page = login("ped_a")
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    page.goto(f"{live_server.url}/api/docs/")
    expect(page.locator(".swagger-ui .opblock-summary-path").first).to_be_visible()
    expect(page.get_by_text("/api/v1/lab-results/").first).to_be_visible()
    # The page's layout rules come from a file (box-sizing is theirs).
    assert page.evaluate("getComputedStyle(document.body).margin") == "0px"
    assert [text for text in console if "Content Security Policy" in text] == []
