"""The coordinators' queue page: urgent first then by due date, filters, counts
per state, claim and bulk actions; a person's follow-up page; the dashboard;
the episode on the child's page, read-only for pediatricians."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fh_registry.models import Role, User
from followup import services
from followup.models import CareEpisode, ContactAttempt, Task
from screening import services as screening_services
from screening.models import Person
from tests.personas import child_page, client_for, lab_entry, register_child

pytestmark = pytest.mark.django_db

HIGH_LDL = {"total_cholesterol": Decimal("7.0"), "ldl_cholesterol": Decimal("5.2")}
HOFH_LDL = {
    "total_cholesterol": Decimal("12.0"),
    "hdl_cholesterol": Decimal("1.0"),
    "ldl_cholesterol": Decimal("10.5"),
}
ROW = re.compile(r'<tr data-task="(\d+)" data-kind="(\w+)" data-status="(\w+)"')


@pytest.fixture(autouse=True)
def _active_ruleset(settings: Any) -> None:
    settings.ACTIVE_PAEDIATRIC_RULESET = "eas2026"


def flagged(
    user: Any, practice: str, number: str, *, days_ago: int, hofh: bool = False
) -> Person:
    child = register_child(user, practice_code=practice, number=number)
    screening_services.record_lab_result(
        acting_user=user,
        person=child,
        entry=lab_entry(
            sample_date=timezone.localdate() - timedelta(days=days_ago),
            **(HOFH_LDL if hofh else HIGH_LDL),
        ),
        confirm_extreme=hofh,
    )
    return child


def task_of(person: Person, kind: str = "repeat_lipids") -> Task:
    return Task.objects.get(person=person, kind=kind)


def queue_rows(user: Any, query: str = "") -> list[tuple[int, str, str]]:
    response = client_for(user).get(f"/followup/queue/{query}")
    assert response.status_code == 200
    return [
        (int(pk), kind, status)
        for pk, kind, status in ROW.findall(response.content.decode())
    ]


@pytest.fixture
def second_coordinator(cast: Any) -> User:
    return User.objects.create_user(
        "coord2", role=Role.COORDINATOR, covers_all_practices=True
    )


def test_urgent_first_then_by_due_date(coord: Any, ped_a: Any, ped_b: Any) -> None:
    late = flagged(ped_a, "DEMO-A", "A-1", days_ago=10)  # due in 32 days
    early = flagged(ped_b, "DEMO-B", "B-1", days_ago=40)  # due in 2 days
    urgent = flagged(ped_a, "DEMO-A", "A-2", days_ago=3, hofh=True)

    assert queue_rows(coord) == [
        (task_of(urgent, "lipid_clinic_referral").pk, "lipid_clinic_referral", "open"),
        (task_of(early).pk, "repeat_lipids", "open"),
        (task_of(late).pk, "repeat_lipids", "open"),
        (task_of(urgent).pk, "repeat_lipids", "open"),
    ]


def test_filters_and_counts_per_state(
    coord: Any, second_coordinator: User, ped_a: Any, ped_b: Any
) -> None:
    a1 = flagged(ped_a, "DEMO-A", "A-1", days_ago=50)  # overdue
    b1 = flagged(ped_b, "DEMO-B", "B-1", days_ago=5)
    urgent = flagged(ped_a, "DEMO-A", "A-2", days_ago=2, hofh=True)
    services.claim(task_of(b1), acting_user=second_coordinator)
    services.complete(task_of(urgent), acting_user=coord)

    def pks(query: str) -> set[int]:
        return {pk for pk, _, _ in queue_rows(coord, query)}

    assert pks("?practice=DEMO-B") == {task_of(b1).pk}
    assert pks("?overdue=on") == {task_of(a1).pk}
    assert pks("?kind=lipid_clinic_referral") == {
        task_of(urgent, "lipid_clinic_referral").pk
    }
    assert pks("?priority=urgent") == {task_of(urgent, "lipid_clinic_referral").pk}
    assert pks("?assignee=coord2") == {task_of(b1).pk}
    assert pks("?assignee=none") == {
        task_of(a1).pk,
        task_of(urgent, "lipid_clinic_referral").pk,
    }
    assert pks("?status=done") == {task_of(urgent).pk}
    assert pks("") == pks("?status=active")  # open and claimed by default
    assert len(pks("?status=all")) == 4

    html = client_for(coord).get("/followup/queue/?practice=DEMO-A").content.decode()
    counts = dict(
        re.findall(
            r'data-status="(\w+)"><span[^>]*>[^<]*</span> <span class="count">(\d+)',
            html,
        )
    )
    assert counts == {"open": "2", "claimed": "0", "done": "1", "cancelled": "0"}


@pytest.mark.parametrize(
    "query",
    ["", "?status=all", "?status=done", "?status=claimed", "?overdue=on", "?status=x"],
)
def test_the_pager_counts_what_the_filters_list(
    query: str, settings: Any, coord: Any, second_coordinator: User, ped_a: Any
) -> None:
    settings.FOLLOWUP_QUEUE_PAGE_SIZE = 2
    children = [flagged(ped_a, "DEMO-A", f"A-{n}", days_ago=10 * n) for n in range(7)]
    services.claim(task_of(children[0]), acting_user=second_coordinator)
    for child in children[1:4]:
        services.complete(task_of(child), acting_user=coord)
    listed: set[int] = set()
    page = client_for(coord).get(f"/followup/queue/{query}").content.decode()
    pages = int(re.search(r"Page 1 of (\d+)", page).group(1))  # type: ignore[union-attr]
    separator = "&" if query else "?"
    for number in range(1, pages + 2):  # one past the last shows the last
        listed |= {
            pk for pk, _, _ in queue_rows(coord, f"{query}{separator}page={number}")
        }
    everything = {pk for pk, _, _ in queue_rows(coord, f"{query}{separator}page=1")}
    assert everything <= listed
    # Every matching task is on one of the pages, and the last page is full
    # but for the remainder: the pager's count is the filters' count.
    expected = {
        "": 4,
        "?status=all": 7,
        "?status=done": 3,
        "?status=claimed": 1,
        "?overdue=on": 2,
        "?status=x": 4,
    }[query]
    assert len(listed) == expected
    assert pages == max(1, -(-expected // 2))


def test_claim_on_the_page_and_a_task_held_by_another_is_refused(
    coord: Any, second_coordinator: User, ped_a: Any
) -> None:
    child = flagged(ped_a, "DEMO-A", "A-1", days_ago=5)
    task = task_of(child)
    page = client_for(coord)
    response = page.post(f"/followup/tasks/{task.pk}/claim/", follow=True)
    assert "You hold the task now." in response.content.decode()
    task.refresh_from_db()
    assert (task.status, task.assignee) == ("claimed", coord)

    response = client_for(second_coordinator).post(
        f"/followup/tasks/{task.pk}/complete/", follow=True
    )
    assert "Another coordinator holds this task." in response.content.decode()
    task.refresh_from_db()
    assert task.status == "claimed"


def test_bulk_assign_and_reschedule_leave_tasks_held_by_others_and_say_so(
    coord: Any, second_coordinator: User, ped_a: Any
) -> None:
    mine = task_of(flagged(ped_a, "DEMO-A", "A-1", days_ago=5))
    free = task_of(flagged(ped_a, "DEMO-A", "A-2", days_ago=6))
    held = task_of(flagged(ped_a, "DEMO-A", "A-3", days_ago=7))
    services.claim(mine, acting_user=coord)
    services.claim(held, acting_user=second_coordinator)
    new_due = timezone.localdate() + timedelta(days=20)

    response = client_for(coord).post(
        "/followup/queue/bulk/",
        {
            "action": "reschedule",
            "tasks": [mine.pk, free.pk, held.pk],
            "due_date": new_due,
        },
        follow=True,
    )
    html = response.content.decode()
    assert "2 tasks changed." in html
    assert "1 tasks were left as they are" in html
    assert {t.pk: t.due_date for t in Task.objects.all()}[held.pk] != new_due
    assert Task.objects.get(pk=free.pk).due_date == new_due

    client_for(coord).post(
        "/followup/queue/bulk/",
        {"action": "assign", "tasks": [free.pk, held.pk], "assignee": "coord"},
    )
    assert Task.objects.get(pk=free.pk).assignee == coord
    assert Task.objects.get(pk=held.pk).assignee == second_coordinator
    assert Task.objects.get(pk=free.pk).history.latest().history_user == coord


def test_the_queue_costs_the_same_queries_for_few_and_many_tasks(
    coord: Any, ped_a: Any
) -> None:
    flagged(ped_a, "DEMO-A", "A-0", days_ago=5)
    page = client_for(coord)
    page.get("/followup/queue/")  # session and caches warm
    with CaptureQueriesContext(connection) as few:
        page.get("/followup/queue/")
    for number in range(1, 12):
        flagged(
            ped_a, "DEMO-A", f"A-{number}", days_ago=5 + number, hofh=number % 3 == 0
        )
    with CaptureQueriesContext(connection) as many:
        response = page.get("/followup/queue/")
    assert len(ROW.findall(response.content.decode())) == 15
    assert len(many) == len(few)


@pytest.mark.parametrize("who", ["ped_a", "epi", "administrator"])
def test_only_coordinators_find_the_pages(request: Any, who: str, ped_a: Any) -> None:
    user = request.getfixturevalue(who)
    child = flagged(ped_a, "DEMO-A", "A-1", days_ago=5)
    for url in (
        "/followup/queue/",
        "/followup/dashboard/",
        f"/followup/persons/{child.pseudonym}/",
    ):
        assert client_for(user).get(url).status_code == 404
    response = client_for(user).post(f"/followup/tasks/{task_of(child).pk}/claim/")
    assert response.status_code == 404
    assert Task.objects.get(person=child).status == "open"


def test_the_person_page_records_contact_attempts_and_shows_the_timeline(
    coord: Any, ped_a: Any, settings: Any
) -> None:
    settings.FOLLOWUP_LOST_AFTER_FAILED_ATTEMPTS = 2
    child = flagged(ped_a, "DEMO-A", "A-1", days_ago=5)
    page = client_for(coord)
    url = f"/followup/persons/{child.pseudonym}/"
    page.post(
        url + "contact-attempts/",
        {"channel": "phone", "outcome": "no_answer", "note": "tried at noon"},
    )
    html = page.get(url).content.decode()
    assert "Contact by phone: no answer – tried at noon" in html
    assert "Task created: Repeat fasting venous lipids" in html
    assert CareEpisode.objects.get(person=child).is_open

    page.post(url + "contact-attempts/", {"channel": "letter", "outcome": "returned"})
    episode = CareEpisode.objects.get(person=child)
    assert (episode.outcome, episode.closed_on) == (
        "lost_to_follow_up",
        timezone.localdate(),
    )
    recall = Task.objects.get(person=child, kind="practice_recall")
    assert recall.status == "open"
    assert task_of(child).status == "cancelled"
    assert ContactAttempt.objects.filter(person=child).count() == 2
    html = page.get(url).content.decode()
    assert "Episode closed: Lost to follow-up" in html


def test_the_person_page_moves_the_episode_and_refuses_a_step_back(
    coord: Any, ped_a: Any
) -> None:
    child = flagged(ped_a, "DEMO-A", "A-1", days_ago=5)
    episode = CareEpisode.objects.get(person=child)
    page = client_for(coord)
    response = page.post(
        f"/followup/episodes/{episode.pk}/advance/", {"stage": "diet"}, follow=True
    )
    assert "The episode moved on." in response.content.decode()
    response = page.post(
        f"/followup/episodes/{episode.pk}/advance/",
        {"stage": "secondary_causes"},
        follow=True,
    )
    assert "moves forward only" in response.content.decode()
    episode.refresh_from_db()
    assert episode.stage == "diet"


def test_a_pediatrician_sees_the_episode_read_only_on_the_child_s_page(
    coord: Any, ped_a: Any, ped_b: Any
) -> None:
    child = flagged(ped_a, "DEMO-A", "A-1", days_ago=5, hofh=True)
    html = child_page(ped_a, child)
    assert 'id="follow-up"' in html
    assert "Care episode open" in html
    assert 'data-task-kind="lipid_clinic_referral"' in html
    assert "/followup/tasks/" not in html  # no task actions
    assert "/followup/persons/" not in html
    assert "shown here read-only" in html
    # A child with no episode shows no panel.
    quiet = register_child(ped_b, practice_code="DEMO-B", number="B-9")
    assert 'id="follow-up"' not in child_page(ped_b, quiet)
    # A coordinator gets the way to the follow-up page.
    assert f"/followup/persons/{child.pseudonym}/" in child_page(coord, child)


def test_the_dashboard_shows_open_tasks_by_age_and_the_median_times(
    coord: Any, ped_a: Any
) -> None:
    one = flagged(ped_a, "DEMO-A", "A-1", days_ago=40)
    two = flagged(ped_a, "DEMO-A", "A-2", days_ago=20)
    for child, days in ((one, 30), (two, 10)):
        episode = CareEpisode.objects.get(person=child)
        assert episode.screened_on is not None
        services.advance(
            episode,
            stage="lipid_clinic",
            on=episode.screened_on + timedelta(days=days),
            acting_user=coord,
        )
    html = client_for(coord).get("/followup/dashboard/").content.decode()
    median = re.search(r'id="days-to-lipid-clinic">([^<]*)<', html)
    assert median is not None
    assert median.group(1).strip() == "20"
    assert '<tr data-status="open"><td>open</td><td class="num">4</td>' in html
    assert html.count('class="bar"') == 12


def test_the_dashboard_counts_invitations_by_state(coord: Any, ped_a: Any) -> None:
    from datetime import date  # noqa: PLC0415

    from followup.models import CascadeInvitation  # noqa: PLC0415

    child = register_child(ped_a, number="A-1")
    screening_services.record_genetic_result(
        acting_user=ped_a,
        person=child,
        gene="LDLR",
        hgvs_c="c.681C>G",
        acmg_class="pathogenic",
        lab="Genetics lab",
        report_date=timezone.localdate() - timedelta(days=1),
    )
    for sex, born in (("F", date(1985, 1, 1)), ("M", date(1983, 1, 1))):
        screening_services.register_parent(
            acting_user=ped_a,
            child=child,
            sex=sex,
            birth_date=born,
            identity=screening_services.IdentityEntry(given_name=sex, family_name="H"),
        )
    assert CascadeInvitation.objects.count() == 2
    html = client_for(coord).get("/followup/dashboard/").content.decode()
    assert '<td class="num" data-state="proposed">2</td>' in html
    assert '<td class="num" data-state="declined">0</td>' in html
