"""The cascade's yield on a known family: per index case and overall, on the
coordinators' page and as plain rows for the statistics side."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from followup import family, invitations
from followup.models import CascadeInvitation
from screening.models import Person
from tests.followup.test_family_page import (
    Family,
    genetic,
    parent,
    three_generations,
)
from tests.personas import client_for

pytestmark = pytest.mark.django_db


def move(f: Family, person: Person, *states: str, user: Any) -> None:
    for state in states:
        invitations.set_state(f.invitation_of(person), state=state, acting_user=user)


@pytest.fixture
def families(ped_a: Any, child_a: Any, ped_b: Any, child_b: Any, coord: Any) -> Any:
    """Anna's three generations (mother positive, father declined, sibling
    accepted, grandfather proposed through the mother); Ben's father proposed."""
    anna = three_generations(ped_a, child_a)
    move(anna, anna.father, "declined", user=coord)
    move(anna, anna.sibling, "invited", "accepted", user=coord)
    genetic(ped_b, child_b)
    parent(ped_b, child_b, "M", date(1980, 1, 1))
    return anna


def test_the_yield_per_index_case_and_overall(
    coord: Any, families: Family, child_b: Any
) -> None:
    rows = family.cascade_yield(coord)
    anna, ben, total = (
        rows
        if rows[0].index_case == families.child.pseudonym
        else (
            rows[1],
            rows[0],
            rows[2],
        )
    )
    # The deceased grandmother is an obligate carrier, not an index case; the
    # grandfather's invitation (through the mother) counts for Anna. He tested
    # non-carrier on his own, which settles his invitation as negative: invited,
    # answered and tested.
    assert (
        anna.index_case,
        anna.relatives_identified,
        anna.invited,
        anna.answered,
        anna.tested,
        anna.newly_affected,
        anna.new_cases_per_index,
    ) == (families.child.pseudonym, 5, 4, 4, 2, 1, Decimal("1.00"))
    assert (ben.index_case, ben.relatives_identified, ben.invited) == (
        child_b.pseudonym,
        1,
        0,
    )
    assert total.as_dict() == {
        "index_case": None,
        "relatives_identified": 6,
        "invited": 4,
        "answered": 4,
        "tested": 2,
        "newly_affected": 1,
        "new_cases_per_index": Decimal("0.50"),
    }
    assert CascadeInvitation.objects.count() == 5


def test_the_statistics_side_reads_plain_rows_over_the_whole_registry(
    families: Family,
) -> None:
    rows = [row.as_dict() for row in family.yield_rows(Person.objects.all())]
    assert list(rows[0]) == list(family.YIELD_COLUMNS)
    assert rows[-1]["relatives_identified"] == 6
    assert len(rows) == 3


def test_the_yield_page_shows_the_table_to_coordinators(
    coord: Any, families: Family
) -> None:
    html = client_for(coord).get("/followup/cascade/yield/").content.decode()
    row = html[html.index(f'data-index-case="{families.child.pseudonym}"') :]
    row = row[: row.index("</tr>")]
    cells = [c.split(">")[-1] for c in row.split("</td>")[:-1]]
    assert cells == ["5", "4", "4", "2", "1", "1.00"]
    assert "All (2 index cases)" in html
    german = client_for(coord, "de").get("/followup/cascade/yield/").content.decode()
    assert "1,00" in german
    assert "0,50" in german


# --- plan_all: the whole registry in one pass, as replan family by family ---------


def _bare_family(practice: Any, user: Any, *, affected: bool) -> list[Person]:
    """Parents, two children; written without the services' signals, so that
    nothing is planned yet (as after a bulk load)."""
    from screening.models import GeneticResult  # noqa: PLC0415

    mother = Person.objects.create(
        practice=practice, sex="F", birth_date=date(1980, 1, 1)
    )
    father = Person.objects.create(
        practice=practice, sex="M", birth_date=date(1978, 1, 1)
    )
    kids = [
        Person.objects.create(
            practice=practice, sex=sex, birth_date=born, mother=mother, father=father
        )
        for sex, born in (("F", date(2010, 1, 1)), ("M", date(2015, 1, 1)))
    ]
    if affected:
        GeneticResult.objects.create(
            person=kids[0],
            gene="LDLR",
            hgvs_c="c.1A>G",
            acmg_class="likely_pathogenic",
            lab="Lab",
            report_date=date(2026, 1, 1),
            retain_until=date(2036, 1, 1),
            entered_by=user,
        )
    return [mother, father, *kids]


@pytest.mark.parametrize("set_based", [True, False], ids=["sql", "orm"])
def test_plan_all_plans_every_family_as_replan_would_and_only_once(
    ped_a: Any, ped_b: Any, cast: Any, set_based: bool, monkeypatch: Any
) -> None:
    from fh_registry.models import Practice  # noqa: PLC0415
    from followup import cascade  # noqa: PLC0415
    from followup.models import Task  # noqa: PLC0415

    practice = Practice.objects.get(code="DEMO-A")
    planned = [
        _bare_family(practice, ped_a, affected=affected)
        for affected in (True, False, True)
    ]
    expected = {
        (int(p.person), int(p.because), p.relation, p.test, p.variant, p.due_by)
        for family_ in planned
        for p in cascade.plan(
            invitations.members_of(invitations.family_of([family_[0].pk]))
        )
    }
    assert len(expected) == 6  # both parents and the brother, twice

    monkeypatch.setattr(invitations, "set_based_writes", lambda: set_based)
    created = list(
        CascadeInvitation.objects.filter(pk__in=invitations.plan_all(acting_user=ped_a))
    )
    assert {
        (i.relative_id, i.because_id, i.relation, i.test, i.variant or None, i.due_by)
        for i in CascadeInvitation.objects.all()
    } == expected
    assert len(created) == 6
    tasks = Task.objects.filter(kind="cascade_invitation")
    assert {t.dedupe_key for t in tasks} == {f"cascade:{i.pk}" for i in created}
    assert all(i.history.get().history_user == ped_a for i in created)
    assert all(
        t.history.get().history_type == "+" and t.created_by == ped_a for t in tasks
    )
    assert {t.status for t in tasks} == {"open"}
    assert all(t.practice_id == t.person.practice_id for t in tasks)

    assert invitations.plan_all(acting_user=ped_a) == []
    assert (CascadeInvitation.objects.count(), tasks.count()) == (6, 6)
