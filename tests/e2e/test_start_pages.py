"""Each role logs in through the browser and lands on its own start page."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(
    ("username", "path", "heading"),
    [
        ("ped_a", "/screening/children/", "Kinder"),
        ("coord", "/followup/queue/", "Nachsorge"),
        ("epi", "/statistics/", "Statistik"),
        ("admin", "/", "Administration"),
    ],
)
def test_each_role_sees_its_start_page(
    cast: Any, live_server: Any, login: Any, username: str, path: str, heading: str
) -> None:
    page = login(username)
    expect(page).to_have_url(f"{live_server.url}{path}")
    expect(page.locator(".who")).to_contain_text(username)
    expect(page.get_by_role("heading", level=1)).to_contain_text(heading)


def test_wrong_password_is_refused(cast: Any, live_server: Any, login: Any) -> None:
    page = login("ped_a", "wrong")
    expect(page).to_have_url(f"{live_server.url}/accounts/login/")
    expect(page.get_by_role("alert")).to_be_visible()
