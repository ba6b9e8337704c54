"""Browser journeys in Debian's chromium, driven by Playwright against live_server."""

from __future__ import annotations

import os
import shutil
from typing import Any

import pytest

# Playwright's sync API runs an event loop in this thread; Django's ORM guard would
# otherwise refuse the live server's fixtures here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser_type_launch_args(
    browser_type_launch_args: dict[str, Any],
) -> dict[str, Any]:
    executable = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")
    if not executable:
        pytest.fail("Debian's chromium is required: apt-get install -y chromium")
    return {
        **browser_type_launch_args,
        "executable_path": executable,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    # The registry's users work in German first; journeys switch to English.
    return {**browser_context_args, "locale": "de-DE"}


@pytest.fixture
def login(live_server: Any, page: Any) -> Any:
    def _login(username: str, password: str = "demo") -> Any:
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Username").or_(page.get_by_label("Benutzername")).fill(
            username
        )
        page.locator("#id_password").fill(password)
        page.locator("button[type=submit].primary").click()
        return page

    return _login
