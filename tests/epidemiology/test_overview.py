"""The epidemiologist's overview: children by latest outcome, small cells shown
as "*", to statistics readers only, with no pseudonym or name on the page."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from screening import services
from screening.models import Person
from tests.personas import lab_entry, register_child

pytestmark = pytest.mark.django_db

# EAS 2026 (the default rule set), one sample each.
HIGH_LDL: dict[str, Any] = {
    "total_cholesterol": Decimal("7.0"),
    "ldl_cholesterol": Decimal("5.2"),
}
NO_USABLE_LDL: dict[str, Any] = {  # TG >= 4.5 mmol/L: no Friedewald (DOMAIN §3c)
    "total_cholesterol": Decimal("6.0"),
    "hdl_cholesterol": Decimal("1.2"),
    "ldl_cholesterol": None,
    "ldl_method": "calculated",
    "triglycerides": Decimal("5.0"),
}
PSEUDONYM = re.compile(r"FH-[A-Z2-9]{10}")


@pytest.fixture(autouse=True)
def _registry_defaults(settings: Any) -> None:
    settings.ACTIVE_PAEDIATRIC_RULESET = "eas2026"
    settings.SMALL_CELL_MINIMUM = 10


def screened(user: Any, practice_code: str, number: int, outcome: str) -> Person:
    """A child of `practice_code` whose one result gives `outcome`."""
    child = register_child(
        user,
        practice_code=practice_code,
        number=f"{practice_code}-{number}",
        given_name=f"Quirina{number}",
        family_name=f"Zwerenz{number}",
    )
    values = {"positive": HIGH_LDL, "needs_direct_ldl": NO_USABLE_LDL}.get(outcome, {})
    recorded = services.record_lab_result(
        acting_user=user,
        person=child,
        entry=lab_entry(sample_date=timezone.localdate() - timedelta(days=1), **values),
    )
    assert recorded.assessment.outcome == outcome
    return child


def overview(user: Any) -> tuple[int, str]:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    response = client.get(reverse("epidemiology:overview"))
    return response.status_code, response.content.decode()


def published(html: str) -> tuple[dict[str, str], str]:
    """The table as the page shows it: outcome -> cell text, and the total."""
    cells = dict(
        re.findall(
            r'<tr data-outcome="(\w+)"><td>[^<]*</td><td class="num">([^<]*)</td></tr>',
            html,
        )
    )
    total = re.search(r'<tfoot><tr><th>[^<]*</th><th class="num">([^<]*)</th>', html)
    assert total is not None
    return cells, total.group(1)


@pytest.fixture
def tiny_registry(ped_a: Any, ped_b: Any) -> list[Person]:
    """3 positive (one of them in DEMO-B), 10 needing direct LDL-C, 11 negative."""
    children = [screened(ped_a, "DEMO-A", n, "positive") for n in (1, 2)]
    children.append(screened(ped_b, "DEMO-B", 3, "positive"))
    children += [
        screened(ped_a, "DEMO-A", n, "needs_direct_ldl") for n in range(10, 20)
    ]
    children += [screened(ped_a, "DEMO-A", n, "negative") for n in range(20, 31)]
    return children


@pytest.mark.parametrize("reader", ["epi", "administrator"])
def test_small_counts_are_suppressed_and_the_total_withheld(
    request: pytest.FixtureRequest, reader: str, tiny_registry: list[Person]
) -> None:
    status, html = overview(request.getfixturevalue(reader))
    assert status == 200
    cells, total = published(html)
    # The 3 positive children are hidden; the total 24 would give them away
    # (24 - 11 - 10), so it is withheld.
    assert cells == {
        "definite": "0",
        "positive": "*",
        "repeat_needed": "0",
        "negative": "11",
        "not_eligible": "0",
        "deferred": "0",
        "needs_direct_ldl": "10",
        "rejected": "0",
    }
    assert total == "*"


def test_the_page_names_no_child(epi: Any, tiny_registry: list[Person]) -> None:
    status, html = overview(epi)
    assert status == 200
    assert PSEUDONYM.findall(html) == []
    for child in tiny_registry:
        assert child.pseudonym not in html
        assert child.identity.given_name not in html
        assert child.identity.family_name not in html
    assert "Quirina" not in html
    assert "Zwerenz" not in html


def test_a_registry_too_small_to_publish_shows_only_stars_and_zeros(
    epi: Any, ped_a: Any
) -> None:
    screened(ped_a, "DEMO-A", 1, "positive")
    screened(ped_a, "DEMO-A", 2, "positive")
    screened(ped_a, "DEMO-A", 3, "negative")
    cells, total = published(overview(epi)[1])
    assert cells == {
        "definite": "0",
        "positive": "*",
        "repeat_needed": "0",
        "negative": "*",
        "not_eligible": "0",
        "deferred": "0",
        "needs_direct_ldl": "0",
        "rejected": "0",
    }
    assert total == "*"


@pytest.mark.parametrize("role", ["ped_a", "ped_b", "coord"])
def test_other_roles_find_no_statistics_page(
    request: pytest.FixtureRequest, role: str, tiny_registry: list[Person]
) -> None:
    status, _html = overview(request.getfixturevalue(role))
    assert status == 404


def test_anonymous_visitors_are_sent_to_log_in(db: Any) -> None:
    response = Client().get(reverse("epidemiology:overview"))
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/statistics/"
