"""The follow-up API: the task list's filters and order, claim / complete /
reschedule with 409 for a task someone else holds, care episodes and contact
attempts (three failed ones close the episode as lost to follow-up), who may
read and who may write, and a task list whose query count stays flat."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from fh_registry.models import Membership, Practice, Role, User
from followup import services
from followup.models import CareEpisode, ContactAttempt, Task
from screening.models import Person
from tests.personas import api_client_for, record_result, register_child

pytestmark = pytest.mark.django_db

# EAS 2026: LDL-C above 4.5 mmol/L is positive, which opens a care episode with
# a repeat_lipids task (tests/followup/test_opening.py).
HIGH_LDL = {"total_cholesterol": Decimal("7.0"), "ldl_cholesterol": Decimal("5.2")}
COORDINATORS_ONLY = {"detail": "Only coordinators change follow-up data."}


@pytest.fixture(autouse=True)
def _active_ruleset(settings: Any) -> None:
    settings.ACTIVE_PAEDIATRIC_RULESET = "eas2026"


def api(user: User) -> APIClient:
    """`user`'s token client, reading messages in English."""
    client = api_client_for(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def flagged(ped: User, child: Person) -> Task:
    """A positive result for `child`; returns the repeat_lipids task it brought."""
    record_result(ped, child, **HIGH_LDL)
    return Task.objects.get(person=child, kind="repeat_lipids")


def ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.json()
    return [row["id"] for row in response.json()["results"]]


def refusal(message: str, code: str) -> dict[str, Any]:
    return {"non_field_errors": [{"message": message, "code": code}]}


def days(n: int) -> date:
    return timezone.localdate() + timedelta(days=n)


@pytest.fixture
def coord_2(cast: dict[str, Any]) -> User:
    """A second coordinator for every practice: the one who finds tasks taken."""
    return User.objects.create_user(
        username="coord_2", role=Role.COORDINATOR, covers_all_practices=True
    )


@pytest.fixture
def coord_b(cast: dict[str, Any]) -> User:
    """A coordinator for DEMO-B only."""
    regional = User.objects.create_user(username="coord_b", role=Role.COORDINATOR)
    Membership.objects.create(
        user=regional,
        practice=Practice.objects.get(code="DEMO-B"),
        role=Role.COORDINATOR,
    )
    return regional


@pytest.fixture
def task_a(ped_a: User, child_a: Person) -> Task:
    return flagged(ped_a, child_a)


@pytest.fixture
def task_b(ped_b: User, child_b: Person) -> Task:
    return flagged(ped_b, child_b)


# --- The list and its fields ---------------------------------------------------


def test_a_flagged_result_s_task_is_listed_with_its_fields(
    coord: User, child_a: Person, task_a: Task
) -> None:
    episode = CareEpisode.objects.get(person=child_a)
    sample_date = days(-1)  # personas.lab_entry's default

    response = api(coord).get("/api/v1/tasks/")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    [listed] = body["results"]
    assert listed == {
        "id": task_a.pk,
        "person": child_a.pseudonym,
        "practice": "DEMO-A",
        "episode": episode.pk,
        "kind": "repeat_lipids",
        "status": "open",
        "priority": "routine",
        "due_date": str(
            sample_date + timedelta(days=settings.FOLLOWUP_REPEAT_LIPIDS_DUE_DAYS)
        ),
        "overdue": False,
        "assignee": None,
        "origin": "pathway",
        "note": "",
        "escalated_on": None,
        "completed_on": None,
        "created_at": listed["created_at"],
    }
    assert listed["created_at"].startswith(str(timezone.localdate()))
    detail = api(coord).get(f"/api/v1/tasks/{task_a.pk}/")
    assert (detail.status_code, detail.json()) == (200, listed)


def test_urgent_tasks_come_first_then_by_due_date(coord: User, child_a: Person) -> None:
    def task(priority: str, due_in: int) -> int:
        return services.create_task(
            person=child_a,
            kind="other",
            due_date=days(due_in),
            priority=priority,
            acting_user=coord,
        ).pk

    late_routine = task("routine", 20)
    early_routine = task("routine", 2)
    late_urgent = task("urgent", 30)
    early_urgent = task("urgent", 5)

    assert ids(api(coord).get("/api/v1/tasks/")) == [
        early_urgent,
        late_urgent,
        early_routine,
        late_routine,
    ]


@pytest.fixture
def queue(
    coord: User, child_a: Person, child_b: Person, task_a: Task, task_b: Task
) -> dict[str, Any]:
    """Five tasks, each told apart by the filters."""
    overdue_a = services.create_task(
        person=child_a,
        kind="other",
        due_date=days(-3),
        priority="urgent",
        acting_user=coord,
    )
    done_b = services.create_task(
        person=child_b, kind="diet", due_date=days(-5), acting_user=coord
    )
    services.complete(done_b, acting_user=coord)
    claimed_a = services.create_task(
        person=child_a, kind="diet", due_date=days(10), acting_user=coord
    )
    services.claim(claimed_a, acting_user=coord)
    return {
        "child_a": child_a.pseudonym,
        "child_b": child_b.pseudonym,
        "repeat_a": task_a.pk,
        "repeat_b": task_b.pk,
        "overdue_a": overdue_a.pk,
        "done_b": done_b.pk,
        "claimed_a": claimed_a.pk,
    }


EVERY_TASK = {"repeat_a", "repeat_b", "overdue_a", "done_b", "claimed_a"}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, EVERY_TASK),
        ({"person": "child_a"}, {"repeat_a", "overdue_a", "claimed_a"}),
        ({"person": "child_b"}, {"repeat_b", "done_b"}),
        ({"status": "done"}, {"done_b"}),
        ({"status": "claimed"}, {"claimed_a"}),
        ({"status": "open"}, {"repeat_a", "repeat_b", "overdue_a"}),
        ({"status": "active"}, EVERY_TASK - {"done_b"}),
        ({"kind": "diet"}, {"done_b", "claimed_a"}),
        ({"kind": "repeat_lipids"}, {"repeat_a", "repeat_b"}),
        ({"priority": "urgent"}, {"overdue_a"}),
        ({"priority": "routine"}, EVERY_TASK - {"overdue_a"}),
        # done_b was due five days ago, but a finished task is not overdue.
        ({"overdue": "true"}, {"overdue_a"}),
        ({"overdue": "false"}, EVERY_TASK - {"overdue_a"}),
        ({"person": "child_b", "kind": "diet"}, {"done_b"}),
        ({"assignee": "coord"}, {"done_b", "claimed_a"}),
        ({"assignee": "none"}, {"repeat_a", "repeat_b", "overdue_a"}),
        ({"practice": "DEMO-B"}, {"repeat_b", "done_b"}),
        ({"person": "FH-NOSUCHONE"}, set()),
    ],
    ids=lambda value: (
        "&".join(f"{k}={v}" for k, v in value.items()) or "none"
        if isinstance(value, dict)
        else None
    ),
)
def test_each_filter_narrows_the_list(
    coord: User, queue: dict[str, Any], params: dict[str, str], expected: set[str]
) -> None:
    query = {key: queue.get(value, value) for key, value in params.items()}
    listed = ids(api(coord).get("/api/v1/tasks/", query))
    assert sorted(listed) == sorted(queue[name] for name in expected)


@pytest.mark.parametrize(
    ("params", "field", "code"),
    [
        ({"status": "finished"}, "status", "invalid_choice"),
        ({"kind": "phone_call"}, "kind", "invalid_choice"),
        ({"priority": "high"}, "priority", "invalid_choice"),
        ({"overdue": "maybe"}, "overdue", "invalid"),
    ],
)
def test_a_malformed_filter_is_a_400_naming_it(
    coord: User, task_a: Task, params: dict[str, str], field: str, code: str
) -> None:
    response = api(coord).get("/api/v1/tasks/", params)
    assert response.status_code == 400
    assert [e["code"] for e in response.json()[field]] == [code]


# --- Claim, complete, reschedule -------------------------------------------------


def claim(user: User, task: Task) -> Any:
    return api(user).post(f"/api/v1/tasks/{task.pk}/claim/")


def test_claiming_holds_the_task_and_claiming_again_is_no_error(
    coord: User, task_a: Task
) -> None:
    first = claim(coord, task_a)
    assert first.status_code == 200
    assert (first.json()["status"], first.json()["assignee"]) == ("claimed", "coord")

    again = claim(coord, task_a)
    assert (again.status_code, again.json()) == (200, first.json())
    # The second claim changed nothing: one history row for the claim.
    assert task_a.history.filter(status="claimed").count() == 1


def test_a_task_another_coordinator_holds_is_a_409(
    coord: User, coord_2: User, task_a: Task
) -> None:
    claim(coord, task_a)

    response = claim(coord_2, task_a)

    assert response.status_code == 409
    assert response.json() == refusal("Another coordinator holds this task.", "held")
    task_a.refresh_from_db()
    assert (task_a.status, task_a.assignee) == ("claimed", coord)


def test_a_finished_task_cannot_be_claimed(
    coord: User, coord_2: User, task_a: Task
) -> None:
    services.complete(task_a, acting_user=coord)

    response = claim(coord_2, task_a)

    assert response.status_code == 409
    assert response.json() == refusal("This task is finished (done).", "finished")


def complete(user: User, task: Task, **body: str) -> Any:
    return api(user).post(f"/api/v1/tasks/{task.pk}/complete/", body, format="json")


def test_completing_marks_the_task_done_by_the_caller_with_the_note(
    coord: User, task_a: Task
) -> None:
    response = complete(coord, task_a, note="Family called, sample booked.")

    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["assignee"], body["completed_on"], body["note"]) == (
        "done",
        "coord",
        str(timezone.localdate()),
        "Family called, sample booked.",
    )
    assert body["overdue"] is False
    again = complete(coord, task_a)
    assert (again.status_code, again.json()) == (200, body)


def test_completing_a_task_someone_else_holds_or_finished_is_a_409(
    coord: User, coord_2: User, task_a: Task, child_a: Person
) -> None:
    claim(coord, task_a)
    held = complete(coord_2, task_a)
    assert held.status_code == 409
    assert held.json() == refusal("Another coordinator holds this task.", "held")

    complete(coord, task_a)
    done = complete(coord_2, task_a)
    assert done.status_code == 409
    assert done.json() == refusal("This task is finished (done).", "finished")

    other = services.create_task(
        person=child_a, kind="other", due_date=days(3), acting_user=coord
    )
    services.close(
        CareEpisode.objects.get(person=child_a), outcome="not_fh", acting_user=coord
    )
    cancelled = complete(coord, other)
    assert cancelled.status_code == 409
    assert cancelled.json() == refusal("This task is finished (cancelled).", "finished")


def reschedule(user: User, task: Task, body: dict[str, Any]) -> Any:
    return api(user).post(f"/api/v1/tasks/{task.pk}/reschedule/", body, format="json")


def test_rescheduling_sets_the_new_due_date(coord: User, task_a: Task) -> None:
    response = reschedule(coord, task_a, {"due_date": str(days(60))})

    assert response.status_code == 200
    assert (response.json()["due_date"], response.json()["status"]) == (
        str(days(60)),
        "open",
    )
    task_a.refresh_from_db()
    assert task_a.due_date == days(60)
    assert task_a.history.latest().history_user == coord


@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        ({}, "required", "This field is required."),
        ({"due_date": ""}, "invalid", None),
        ({"due_date": "31.12.2030"}, "invalid", None),
        ({"due_date": "2030-02-30"}, "invalid", None),
    ],
)
def test_a_missing_or_malformed_due_date_is_a_400_on_the_field(
    coord: User, task_a: Task, body: dict[str, Any], code: str, message: str | None
) -> None:
    before = task_a.due_date

    response = reschedule(coord, task_a, body)

    assert response.status_code == 400
    [error] = response.json()["due_date"]
    assert error["code"] == code
    if message is not None:
        assert error["message"] == message
    assert list(response.json()) == ["due_date"]
    task_a.refresh_from_db()
    assert task_a.due_date == before


def test_a_due_date_in_the_past_is_refused_with_the_service_s_code(
    coord: User, task_a: Task
) -> None:
    response = reschedule(coord, task_a, {"due_date": str(days(-10))})

    assert response.status_code == 400
    assert response.json() == refusal(
        "A new due date cannot be in the past.", "due_in_past"
    )


def test_rescheduling_a_task_someone_else_holds_or_finished_is_a_409(
    coord: User, coord_2: User, task_a: Task
) -> None:
    claim(coord, task_a)
    held = reschedule(coord_2, task_a, {"due_date": str(days(60))})
    assert held.status_code == 409
    assert held.json() == refusal("Another coordinator holds this task.", "held")

    complete(coord, task_a)
    done = reschedule(coord, task_a, {"due_date": str(days(60))})
    assert done.status_code == 409
    assert done.json() == refusal("This task is finished (done).", "finished")
    task_a.refresh_from_db()
    assert task_a.due_date != days(60)


# --- Tasks made by hand --------------------------------------------------------


def new_task(user: User, person: str, **values: str) -> Any:
    body = {
        "person": person,
        "kind": "other",
        "due_date": str(days(14)),
        "priority": "urgent",
        "note": "Ask about the father's cholesterol.",
    } | values
    return api(user).post("/api/v1/tasks/", body, format="json")


def test_a_coordinator_makes_a_task_by_hand_on_the_open_episode(
    coord: User, child_a: Person, task_a: Task
) -> None:
    response = new_task(coord, child_a.pseudonym)

    assert response.status_code == 201
    body = response.json()
    assert {k: body[k] for k in ("person", "kind", "due_date", "priority")} == {
        "person": child_a.pseudonym,
        "kind": "other",
        "due_date": str(days(14)),
        "priority": "urgent",
    }
    assert (body["origin"], body["status"], body["episode"]) == (
        "manual",
        "open",
        task_a.episode_id,
    )
    assert body["note"] == "Ask about the father's cholesterol."
    made = Task.objects.get(pk=body["id"])
    assert made.created_by == coord
    assert made.history.get().history_user == coord


def test_a_task_for_a_person_out_of_scope_is_a_404_as_for_no_person(
    coord: User, coord_b: User, child_a: Person
) -> None:
    assert new_task(coord_b, child_a.pseudonym).status_code == 404
    assert new_task(coord, "FH-NOSUCHONE").status_code == 404
    assert not Task.objects.exists()


def test_a_task_of_an_unknown_kind_is_a_400_on_the_kind(
    coord: User, child_a: Person
) -> None:
    response = new_task(coord, child_a.pseudonym, kind="phone_call")
    assert response.status_code == 400
    assert [e["code"] for e in response.json()["kind"]] == ["invalid_choice"]


# --- Care episodes ----------------------------------------------------------------


def test_care_episodes_are_listed_by_person_with_their_state(
    coord: User, child_a: Person, task_a: Task, task_b: Task
) -> None:
    episode = CareEpisode.objects.get(person=child_a)

    response = api(coord).get("/api/v1/care-episodes/", {"person": child_a.pseudonym})

    assert response.status_code == 200
    assert response.json()["results"] == [
        {
            "id": episode.pk,
            "person": child_a.pseudonym,
            "state": "repeat_lipids",
            "stage": "repeat_lipids",
            "origin": "screening",
            "opened_on": str(timezone.localdate()),
            "screened_on": str(days(-1)),
            "lipid_clinic_on": None,
            "treatment_started_on": None,
            "closed_on": None,
            "outcome": None,
            "note": "",
        }
    ]
    detail = api(coord).get(f"/api/v1/care-episodes/{episode.pk}/")
    assert detail.json() == response.json()["results"][0]


def test_advancing_moves_the_episode_on_and_brings_the_stage_s_task(
    coord: User, child_a: Person, task_a: Task
) -> None:
    episode = CareEpisode.objects.get(person=child_a)
    visit = days(-2)

    response = api(coord).post(
        f"/api/v1/care-episodes/{episode.pk}/advance/",
        {"stage": "lipid_clinic", "on": str(visit)},
        format="json",
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["state"], body["stage"], body["lipid_clinic_on"]) == (
        "lipid_clinic",
        "lipid_clinic",
        str(visit),
    )
    referral = api(coord).get(
        "/api/v1/tasks/",
        {"person": child_a.pseudonym, "kind": "lipid_clinic_referral"},
    )
    assert len(ids(referral)) == 1
    assert episode.history.latest().history_user == coord


def test_an_illegal_step_is_a_400_with_the_refusal(
    coord: User, child_a: Person, task_a: Task
) -> None:
    episode = CareEpisode.objects.get(person=child_a)
    services.advance(episode, stage="diet", acting_user=coord)
    url = f"/api/v1/care-episodes/{episode.pk}/advance/"

    back = api(coord).post(url, {"stage": "repeat_lipids"}, format="json")
    assert back.status_code == 400
    assert back.json() == refusal(
        "The care pathway moves forward only; the earlier step stays in the "
        "episode's history.",
        "backwards",
    )
    unknown = api(coord).post(url, {"stage": "surgery"}, format="json")
    assert unknown.status_code == 400
    assert [e["code"] for e in unknown.json()["stage"]] == ["invalid_choice"]
    episode.refresh_from_db()
    assert episode.stage == "diet"


def test_closing_ends_the_episode_and_a_closed_one_stays_closed(
    coord: User, child_a: Person, task_a: Task
) -> None:
    episode = CareEpisode.objects.get(person=child_a)
    url = f"/api/v1/care-episodes/{episode.pk}/close/"

    response = api(coord).post(
        url, {"outcome": "not_fh", "note": "Normal repeat."}, format="json"
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["state"], body["outcome"], body["closed_on"], body["note"]) == (
        "closed",
        "not_fh",
        str(timezone.localdate()),
        "Normal repeat.",
    )
    task = api(coord).get(f"/api/v1/tasks/{task_a.pk}/").json()
    assert task["status"] == "cancelled"
    again = api(coord).post(url, {"outcome": "moved"}, format="json")
    assert again.status_code == 400
    assert again.json() == refusal(
        "The episode is closed; nothing more can change in it.", "closed"
    )


# --- Contact attempts ---------------------------------------------------------------


def attempt(user: User, person: Person, **values: Any) -> Any:
    body = {"person": person.pseudonym, "channel": "phone", "outcome": "no_answer"}
    return api(user).post("/api/v1/contact-attempts/", body | values, format="json")


def test_a_contact_attempt_is_recorded_and_listed_by_person(
    coord: User, child_a: Person, child_b: Person, task_a: Task, task_b: Task
) -> None:
    response = attempt(
        coord, child_a, outcome="reached", note="Mother called back.", task=task_a.pk
    )

    assert response.status_code == 201
    body = response.json()
    assert body == {
        "id": body["id"],
        "person": child_a.pseudonym,
        "episode": task_a.episode_id,
        "task": task_a.pk,
        "channel": "phone",
        "outcome": "reached",
        "note": "Mother called back.",
        "attempted_at": body["attempted_at"],
        "made_by": "coord",
    }
    attempt(coord, child_b)
    listed = api(coord).get("/api/v1/contact-attempts/", {"person": child_a.pseudonym})
    assert listed.json()["results"] == [body]


def test_three_failed_attempts_in_a_row_mark_the_person_lost_to_follow_up(
    coord: User, child_a: Person, task_a: Task
) -> None:
    episodes_of_a = {"person": child_a.pseudonym}
    for outcome in ("no_answer", "wrong_contact"):
        assert attempt(coord, child_a, outcome=outcome).status_code == 201
    [still_open] = (
        api(coord).get("/api/v1/care-episodes/", episodes_of_a).json()["results"]
    )
    assert still_open["state"] == "repeat_lipids"

    assert (
        attempt(coord, child_a, channel="letter", outcome="returned").status_code == 201
    )

    [lost] = api(coord).get("/api/v1/care-episodes/", episodes_of_a).json()["results"]
    assert (lost["state"], lost["outcome"], lost["closed_on"]) == (
        "closed",
        "lost_to_follow_up",
        str(timezone.localdate()),
    )
    recall = api(coord).get(
        "/api/v1/tasks/", {"person": child_a.pseudonym, "kind": "practice_recall"}
    )
    [recall_task] = recall.json()["results"]
    assert (recall_task["status"], recall_task["episode"]) == ("open", lost["id"])


def test_a_reached_family_in_between_keeps_the_episode_open(
    coord: User, child_a: Person, task_a: Task
) -> None:
    for outcome in ("no_answer", "reached", "no_answer", "left_message"):
        assert attempt(coord, child_a, outcome=outcome).status_code == 201
    episode = CareEpisode.objects.get(person=child_a)
    assert (episode.closed_on, episode.outcome) == (None, "")


def test_an_attempt_on_another_person_s_task_is_refused(
    coord: User, coord_b: User, child_a: Person, child_b: Person, task_a: Task
) -> None:
    mixed = attempt(coord, child_b, task=task_a.pk)
    assert mixed.status_code == 400
    assert mixed.json() == refusal(
        "The task belongs to another person.", "task_of_other_person"
    )
    # A task out of the caller's scope is as absent as one that never was.
    assert attempt(coord_b, child_b, task=task_a.pk).status_code == 404
    assert attempt(coord_b, child_a).status_code == 404
    wrong = attempt(coord, child_a, channel="pigeon")
    assert wrong.status_code == 400
    assert [e["code"] for e in wrong.json()["channel"]] == ["invalid_choice"]
    assert not ContactAttempt.objects.exists()


# --- Who may read, who may write ------------------------------------------------------


def test_a_pediatrician_reads_their_own_practice_s_follow_up_only(
    ped_a: User, coord: User, child_a: Person, task_a: Task, task_b: Task
) -> None:
    services.record_contact_attempt(
        person=child_a, channel="phone", outcome="reached", acting_user=coord
    )
    episode_b = task_b.episode_id
    client = api(ped_a)

    assert ids(client.get("/api/v1/tasks/")) == [task_a.pk]
    assert client.get(f"/api/v1/tasks/{task_a.pk}/").status_code == 200
    assert client.get(f"/api/v1/tasks/{task_b.pk}/").status_code == 404
    assert ids(client.get("/api/v1/care-episodes/")) == [task_a.episode_id]
    assert client.get(f"/api/v1/care-episodes/{task_a.episode_id}/").status_code == 200
    assert client.get(f"/api/v1/care-episodes/{episode_b}/").status_code == 404
    [seen] = client.get("/api/v1/contact-attempts/").json()["results"]
    assert seen["person"] == child_a.pseudonym


def write_requests(child: Person, task: Task) -> list[tuple[str, dict[str, Any]]]:
    """Every follow-up write, each valid for a coordinator."""
    episode = task.episode_id
    return [
        (f"/api/v1/tasks/{task.pk}/claim/", {}),
        (f"/api/v1/tasks/{task.pk}/complete/", {}),
        (f"/api/v1/tasks/{task.pk}/reschedule/", {"due_date": str(days(9))}),
        (
            "/api/v1/tasks/",
            {"person": child.pseudonym, "kind": "other", "due_date": str(days(9))},
        ),
        (f"/api/v1/care-episodes/{episode}/advance/", {"stage": "diet"}),
        (f"/api/v1/care-episodes/{episode}/close/", {"outcome": "not_fh"}),
        (
            "/api/v1/contact-attempts/",
            {"person": child.pseudonym, "channel": "sms", "outcome": "no_answer"},
        ),
    ]


@pytest.mark.parametrize("role", ["ped_a", "administrator"])
def test_pediatricians_and_administrators_may_not_write(
    request: pytest.FixtureRequest, role: str, child_a: Person, task_a: Task
) -> None:
    user = request.getfixturevalue(role)
    client = api(user)
    history = task_a.history.count()
    due = task_a.due_date

    for url, body in write_requests(child_a, task_a):
        response = client.post(url, body, format="json")
        assert (url, response.status_code) == (url, 403)
        assert response.json() == COORDINATORS_ONLY

    task_a.refresh_from_db()
    assert (task_a.status, task_a.due_date) == ("open", due)
    assert task_a.history.count() == history
    assert Task.objects.filter(person=child_a).count() == 1
    episode = CareEpisode.objects.get(person=child_a)
    assert (episode.stage, episode.closed_on) == ("repeat_lipids", None)


def test_a_pediatrician_s_write_on_another_practice_is_refused_alike(
    ped_a: User, child_b: Person, task_b: Task
) -> None:
    # Refused by role before any lookup: the answer says nothing about the task.
    for url, body in write_requests(child_b, task_b):
        assert api(ped_a).post(url, body, format="json").status_code == 403


def test_administrators_read_every_practice(
    administrator: User, task_a: Task, task_b: Task
) -> None:
    assert sorted(ids(api(administrator).get("/api/v1/tasks/"))) == sorted(
        [task_a.pk, task_b.pk]
    )
    assert api(administrator).get(f"/api/v1/tasks/{task_b.pk}/").status_code == 200


def test_epidemiologists_find_no_follow_up_endpoint(
    epi: User, child_a: Person, task_a: Task
) -> None:
    client = api(epi)
    reads = [
        "/api/v1/tasks/",
        f"/api/v1/tasks/{task_a.pk}/",
        "/api/v1/care-episodes/",
        f"/api/v1/care-episodes/{task_a.episode_id}/",
        "/api/v1/contact-attempts/",
    ]
    for url in reads:
        assert (url, client.get(url).status_code) == (url, 404)
    for url, body in write_requests(child_a, task_a):
        assert (url, client.post(url, body, format="json").status_code) == (url, 404)
    task_a.refresh_from_db()
    assert task_a.status == "open"


def test_anonymous_callers_must_authenticate(task_a: Task) -> None:
    client = APIClient()
    assert client.get("/api/v1/tasks/").status_code == 401
    assert client.post(f"/api/v1/tasks/{task_a.pk}/claim/").status_code == 401


# --- Query count ----------------------------------------------------------------------


def test_the_task_list_s_query_count_does_not_grow_with_the_tasks(
    coord: User, coord_2: User, ped_a: User, ped_b: User
) -> None:
    children = [
        register_child(ped_a, practice_code="DEMO-A", number="Q-1"),
        register_child(ped_b, practice_code="DEMO-B", number="Q-2"),
        register_child(ped_a, practice_code="DEMO-A", number="Q-3"),
    ]
    made = 0

    def add_tasks(n: int) -> None:
        """Tasks across persons, practices, episodes and two assignees."""
        nonlocal made
        for i in range(made, made + n):
            person = children[i % len(children)]
            if i < len(children):
                flagged(ped_a if person.practice.code == "DEMO-A" else ped_b, person)
                continue
            task = services.create_task(
                person=person,
                kind="other",
                due_date=days(i % 9),
                priority="urgent" if i % 4 == 0 else "routine",
                acting_user=coord,
            )
            if i % 3:
                services.claim(task, acting_user=coord if i % 3 == 1 else coord_2)
        made += n

    client = api(coord)
    url = "/api/v1/tasks/?page_size=100"
    add_tasks(5)
    client.get(url)  # the first request fills Django's per-process caches
    with CaptureQueriesContext(connection) as five:
        assert len(client.get(url).json()["results"]) == 5

    add_tasks(55)
    with CaptureQueriesContext(connection) as sixty:
        body = client.get(url).json()
    assert len(body["results"]) == 60
    assert {row["assignee"] for row in body["results"]} == {None, "coord", "coord_2"}
    assert len({row["person"] for row in body["results"]}) == 3
    assert len(sixty.captured_queries) == len(five.captured_queries)
    # The default page is the project's 50.
    assert len(client.get("/api/v1/tasks/").json()["results"]) == 50
