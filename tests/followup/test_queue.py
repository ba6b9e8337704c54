"""The coordinator's follow-up queue: each in-scope child's latest assessment when
it calls for follow-up, urgent (HoFH suspected) first, in a constant number of
queries; nobody but coordinators finds the page."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from fh_registry.models import Membership, Practice, Role, User
from screening import services
from screening.models import Person
from tests.personas import lab_entry, register_child

pytestmark = pytest.mark.django_db

# Entered values (mmol/L) and what they give under EAS 2026, unless said otherwise.
HIGH_LDL: dict[
    str, Any
] = {  # > 4.5: positive (A); under EAS 2015 >= 5.0 once: repeat_needed
    "total_cholesterol": Decimal("7.0"),
    "ldl_cholesterol": Decimal("5.2"),
}
HOFH_LDL: dict[str, Any] = {  # > 10: positive with the hofh_suspected alert (DOMAIN §2)
    "total_cholesterol": Decimal("12.0"),
    "hdl_cholesterol": Decimal("1.0"),
    "ldl_cholesterol": Decimal("10.5"),
}
NO_USABLE_LDL: dict[
    str, Any
] = {  # TG >= 4.5: no Friedewald, needs_direct_ldl (DOMAIN §3c)
    "total_cholesterol": Decimal("6.0"),
    "hdl_cholesterol": Decimal("1.2"),
    "ldl_cholesterol": None,
    "ldl_method": "calculated",
    "triglycerides": Decimal("5.0"),
}
NORMAL: dict[str, Any] = {}  # LDL-C 2.4: negative

ROW = re.compile(
    r'<tr( class="urgent")?>\s*<td><a href="[^"]*">(FH-[A-Z2-9]{10})</a>.*?</td>'
    r"\s*<td>([^<]*)</td>\s*<td>([^<]*)</td>\s*"
    r'<td><span class="badge (\w+)"',
    re.S,
)


@pytest.fixture(autouse=True)
def _active_ruleset(settings: Any) -> None:
    settings.ACTIVE_PAEDIATRIC_RULESET = "eas2026"


def child(user: Any, practice_code: str, number: str) -> Person:
    return register_child(user, practice_code=practice_code, number=number)


def record(
    user: Any, person: Person, values: dict[str, Any], outcome: str, *, days_ago: int
) -> None:
    """One sample `days_ago` days back, checked to give `outcome`."""
    recorded = services.record_lab_result(
        acting_user=user,
        person=person,
        entry=lab_entry(
            sample_date=timezone.localdate() - timedelta(days=days_ago), **values
        ),
        confirm_extreme=values is HOFH_LDL,  # LDL-C > 300 mg/dL is confirmed
    )
    assert recorded.assessment.outcome == outcome


def queue_page(user: Any) -> tuple[int, str]:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    response = client.get(reverse("followup:queue"))
    return response.status_code, response.content.decode()


def rows(user: Any) -> list[tuple[str, str, str, str, bool]]:
    """(pseudonym, practice, sample date, outcome, urgent) per row, in page order."""
    status, html = queue_page(user)
    assert status == 200
    return [
        (pseudonym, practice, sample_date, outcome, bool(urgent))
        for urgent, pseudonym, practice, sample_date, outcome in ROW.findall(html)
    ]


def days_ago(days: int) -> str:
    return (timezone.localdate() - timedelta(days=days)).isoformat()


def test_the_latest_assessment_calling_for_follow_up_is_listed_urgent_first(
    settings: Any, coord: Any, ped_a: Any, ped_b: Any
) -> None:
    urgent = child(ped_b, "DEMO-B", "B-1")
    record(ped_b, urgent, HOFH_LDL, "positive", days_ago=9)
    positive = child(ped_a, "DEMO-A", "A-1")
    record(ped_a, positive, HIGH_LDL, "positive", days_ago=30)
    record(ped_a, positive, HIGH_LDL, "positive", days_ago=8)
    no_ldl = child(ped_a, "DEMO-A", "A-2")
    record(ped_a, no_ldl, NO_USABLE_LDL, "needs_direct_ldl", days_ago=7)
    definite = child(ped_a, "DEMO-A", "A-3")
    record(ped_a, definite, NORMAL, "negative", days_ago=6)
    services.record_genetic_result(  # a P/LP variant: the latest result reassessed
        acting_user=ped_a,
        person=definite,
        gene="LDLR",
        hgvs_c="c.681C>G",
        acmg_class="pathogenic",
        lab="Genetics lab",
        report_date=date(2026, 1, 5),
    )
    negative = child(ped_a, "DEMO-A", "A-4")
    record(ped_a, negative, NORMAL, "negative", days_ago=5)
    settings.ACTIVE_PAEDIATRIC_RULESET = "eas2015"  # two-occasion criterion A
    repeat = child(ped_b, "DEMO-B", "B-2")
    record(ped_b, repeat, HIGH_LDL, "repeat_needed", days_ago=4)

    # Urgent first, then newest assessment first; one row per child, its latest.
    assert rows(coord) == [
        (urgent.pseudonym, "DEMO-B", days_ago(9), "positive", True),
        (repeat.pseudonym, "DEMO-B", days_ago(4), "repeat_needed", False),
        (definite.pseudonym, "DEMO-A", days_ago(6), "definite", False),
        (no_ldl.pseudonym, "DEMO-A", days_ago(7), "needs_direct_ldl", False),
        (positive.pseudonym, "DEMO-A", days_ago(8), "positive", False),
    ]


def test_a_child_whose_later_result_is_negative_drops_off(
    settings: Any, coord: Any, ped_a: Any
) -> None:
    stays = child(ped_a, "DEMO-A", "A-1")
    record(ped_a, stays, HIGH_LDL, "positive", days_ago=20)
    direct_ldl = child(ped_a, "DEMO-A", "A-2")
    record(ped_a, direct_ldl, NO_USABLE_LDL, "needs_direct_ldl", days_ago=20)
    settings.ACTIVE_PAEDIATRIC_RULESET = "eas2015"
    repeated = child(ped_a, "DEMO-A", "A-3")
    record(ped_a, repeated, HIGH_LDL, "repeat_needed", days_ago=20)
    before = [row[0] for row in rows(coord)]
    assert before == [repeated.pseudonym, direct_ldl.pseudonym, stays.pseudonym]

    # EAS 2015 A needs two successive values >= 5.0: a normal one ends it.
    record(ped_a, repeated, NORMAL, "negative", days_ago=2)
    settings.ACTIVE_PAEDIATRIC_RULESET = "eas2026"
    # A direct LDL-C of 2.4 settles what the first sample could not.
    record(ped_a, direct_ldl, NORMAL, "negative", days_ago=2)

    assert [row[0] for row in rows(coord)] == [stays.pseudonym]


def test_an_empty_queue_says_so(coord: Any, ped_a: Any) -> None:
    record(ped_a, child(ped_a, "DEMO-A", "A-1"), NORMAL, "negative", days_ago=1)
    status, html = queue_page(coord)
    assert status == 200
    assert ROW.findall(html) == []
    assert "Nothing awaits follow-up." in html


@pytest.mark.parametrize("role", ["ped_a", "ped_b", "epi", "administrator"])
def test_only_coordinators_find_the_queue(
    request: pytest.FixtureRequest, role: str, ped_a: Any
) -> None:
    record(ped_a, child(ped_a, "DEMO-A", "A-1"), HIGH_LDL, "positive", days_ago=1)
    status, _html = queue_page(request.getfixturevalue(role))
    assert status == 404


def test_anonymous_visitors_are_sent_to_log_in(db: Any) -> None:
    response = Client().get(reverse("followup:queue"))
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/followup/queue/"


def test_the_query_count_stays_flat_as_children_grow(
    coord: Any, ped_a: Any, ped_b: Any, django_assert_max_num_queries: Any
) -> None:
    def add_children(numbers: range) -> None:
        for n in numbers:
            ped, code = (ped_a, "DEMO-A") if n % 2 else (ped_b, "DEMO-B")
            person = child(ped, code, f"Q-{n}")
            record(ped, person, HIGH_LDL, "positive", days_ago=20)
            if n % 3 == 0:  # a second result: the queue shows the latest only
                values = HOFH_LDL if n == 3 else HIGH_LDL
                record(ped, person, values, "positive", days_ago=2)

    add_children(range(1, 3))
    queue_page(coord)  # the first request fills Django's per-process caches
    with CaptureQueriesContext(connection) as two_children:
        assert len(rows(coord)) == 2
    add_children(range(3, 9))
    with django_assert_max_num_queries(len(two_children.captured_queries)):
        listed = rows(coord)
    assert len(listed) == 8
    assert listed[0][4] is True  # the HoFH child, urgent, heads the list


@pytest.fixture
def regional_coordinator(cast: dict[str, Any]) -> User:
    """A coordinator for DEMO-A only (covers_all_practices off): the demo cast has
    none, so it is made here as fh_registry.access reads it."""
    regional = User.objects.create_user(username="coord_a", role=Role.COORDINATOR)
    Membership.objects.create(
        user=regional,
        practice=Practice.objects.get(code="DEMO-A"),
        role=Role.COORDINATOR,
    )
    return regional


def test_a_regional_coordinator_sees_only_member_practices(
    regional_coordinator: User, coord: Any, ped_a: Any, ped_b: Any
) -> None:
    child_a = child(ped_a, "DEMO-A", "A-1")
    record(ped_a, child_a, HIGH_LDL, "positive", days_ago=3)
    child_b = child(ped_b, "DEMO-B", "B-1")
    record(ped_b, child_b, HOFH_LDL, "positive", days_ago=2)

    assert [row[:2] for row in rows(regional_coordinator)] == [
        (child_a.pseudonym, "DEMO-A")
    ]
    assert [row[:2] for row in rows(coord)] == [
        (child_b.pseudonym, "DEMO-B"),
        (child_a.pseudonym, "DEMO-A"),
    ]
