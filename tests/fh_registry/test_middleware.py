"""Every page and API response carries the registry's strict Content Security
Policy (django-csp's own middleware)."""

from __future__ import annotations

import pytest
from csp.constants import HEADER, SELF
from django.test import Client


def _directives(header: str) -> dict[str, str]:
    """The policy as a mapping (django-csp's directive order follows a set's)."""
    parts = (part.strip().partition(" ") for part in header.split(";"))
    return {name: value for name, _, value in parts}


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/healthz", "/accounts/login/", "/api/v1/persons/"])
def test_pages_and_the_api_carry_the_strict_policy(client: Client, path: str) -> None:
    response = client.get(path)
    policy = _directives(response[HEADER])
    assert policy["default-src"] == SELF
    assert policy["script-src"] == SELF
    assert policy["style-src"] == SELF
    assert policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in response[HEADER]


def test_the_stock_middleware_is_installed() -> None:
    from django.conf import settings  # noqa: PLC0415

    assert "csp.middleware.CSPMiddleware" in settings.MIDDLEWARE
