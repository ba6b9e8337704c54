"""Shared fixtures: the demo cast and a child in each demo practice."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import translation

from tests import personas


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser journeys last: their live server and Playwright threads live on
    for the session, and a process with other threads decides imports without
    worker processes (a fork copies no other thread's locks), which the import
    tests check by the path the log names."""
    items.sort(key=lambda item: item.get_closest_marker("e2e") is not None)


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Each test starts and ends in the registry's default language: a request
    in the test client activates its language for the thread and leaves it."""
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture
def cast(db: Any) -> dict[str, Any]:
    return personas.cast()


@pytest.fixture
def ped_a(cast: dict[str, Any]) -> Any:
    return cast["ped_a"]


@pytest.fixture
def ped_b(cast: dict[str, Any]) -> Any:
    return cast["ped_b"]


@pytest.fixture
def coord(cast: dict[str, Any]) -> Any:
    return cast["coord"]


@pytest.fixture
def epi(cast: dict[str, Any]) -> Any:
    return cast["epi"]


@pytest.fixture
def administrator(cast: dict[str, Any]) -> Any:
    return cast["admin"]


@pytest.fixture
def child_a(ped_a: Any) -> Any:
    """Anna, a child of DEMO-A."""
    return personas.register_child(ped_a, practice_code="DEMO-A", number="A-1")


@pytest.fixture
def child_b(ped_b: Any) -> Any:
    """Ben, a child of DEMO-B."""
    return personas.register_child(
        ped_b,
        practice_code="DEMO-B",
        number="B-1",
        sex="M",
        given_name="Ben",
        family_name="Bauer",
    )
