"""The daily follow-up jobs: overdue tasks escalate once, coordinators get one
pseudonymous reminder a day, silent episodes close as lost to follow-up, treated
children get a yearly review; each job run twice changes nothing the second time.
Loss to follow-up by failed contact attempts is here too."""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from fh_registry.auditing import audited_save
from fh_registry.models import Role, User
from followup import jobs, services
from followup.models import (
    CareEpisode,
    ContactOutcome,
    EpisodeOutcome,
    Priority,
    Stage,
    Task,
    TaskKind,
    TaskOrigin,
    TaskStatus,
)
from screening import rules
from screening import services as screening_services
from screening.models import Person
from tests.personas import lab_entry, register_child

pytestmark = pytest.mark.django_db

# LDL-C 5.2 mmol/L: positive under EAS 2026 (> 4.5), as in test_queue.
HIGH_LDL: dict[str, Any] = {
    "total_cholesterol": Decimal("7.0"),
    "ldl_cholesterol": Decimal("5.2"),
}


@pytest.fixture(autouse=True)
def _active_ruleset(settings: Any) -> None:
    settings.ACTIVE_PAEDIATRIC_RULESET = "eas2026"


def today() -> date:
    return timezone.localdate()


def flagged_child(
    user: User,
    number: str,
    *,
    sample_days_ago: int = 1,
    given_name: str = "Anna",
    family_name: str = "Huber",
) -> Person:
    """A DEMO-A child with a positive sample `sample_days_ago` days back: the
    result opens a care episode with `repeat_lipids` due 42 days after it."""
    person = register_child(
        user,
        number=number,
        given_name=given_name,
        family_name=family_name,
        birth_date=date(2014, 5, 1),
    )
    recorded = screening_services.record_lab_result(
        acting_user=user,
        person=person,
        entry=lab_entry(
            sample_date=today() - timedelta(days=sample_days_ago), **HIGH_LDL
        ),
    )
    assert recorded.assessment.outcome == "positive"
    return person


def repeat_lipids(person: Person) -> Task:
    return Task.objects.get(person=person, kind=TaskKind.REPEAT_LIPIDS)


def open_episode_of(person: Person) -> CareEpisode:
    return CareEpisode.objects.get(person=person, closed_on__isnull=True)


def coordinator(username: str, email: str = "") -> User:
    return User.objects.create_user(
        username=username,
        email=email,
        role=Role.COORDINATOR,
        covers_all_practices=True,
    )


def opened_days_ago(episode: CareEpisode, days: int, *, acting_user: User) -> None:
    """Move an episode's opening back. The services date an opening by the clock
    and refuse samples from the future, so "open for 18 months, with a sample
    inside that period" can only be arranged by moving the opening back (an
    audited save, as the services write)."""
    episode.opened_on = today() - timedelta(days=days)
    audited_save(episode, acting_user=acting_user)


def snapshot() -> dict[str, Any]:
    """Every follow-up row and the number of history rows: what a second run of
    a job must leave exactly as it was."""
    return {
        "tasks": list(Task.objects.order_by("pk").values()),
        "episodes": list(CareEpisode.objects.order_by("pk").values()),
        "task_history": Task.history.count(),
        "episode_history": CareEpisode.history.count(),
    }


# --- Escalation -----------------------------------------------------------------------


def test_overdue_active_tasks_become_urgent_once(
    ped_a: User, coord: User, settings: Any
) -> None:
    assert settings.FOLLOWUP_REPEAT_LIPIDS_DUE_DAYS == 42
    overdue_open = repeat_lipids(flagged_child(ped_a, "A-1", sample_days_ago=60))
    overdue_claimed = repeat_lipids(flagged_child(ped_a, "A-2", sample_days_ago=50))
    services.claim(overdue_claimed, acting_user=coord)
    done = repeat_lipids(flagged_child(ped_a, "A-3", sample_days_ago=60))
    services.complete(done, acting_user=coord)
    cancelled = flagged_child(ped_a, "A-4", sample_days_ago=60)
    services.close(
        open_episode_of(cancelled), outcome=EpisodeOutcome.NOT_FH, acting_user=coord
    )
    due_today = repeat_lipids(flagged_child(ped_a, "A-5", sample_days_ago=42))
    not_yet_due = repeat_lipids(flagged_child(ped_a, "A-6", sample_days_ago=1))
    history_before = {
        t.pk: t.history.count()
        for t in Task.objects.filter(kind=TaskKind.REPEAT_LIPIDS)
    }

    assert jobs.escalate_overdue(today=today()) == 2

    escalated = {
        t.pk: (t.priority, t.escalated_on, t.status)
        for t in Task.objects.filter(kind=TaskKind.REPEAT_LIPIDS)
    }
    assert escalated == {
        overdue_open.pk: (Priority.URGENT, today(), TaskStatus.OPEN),
        overdue_claimed.pk: (Priority.URGENT, today(), TaskStatus.CLAIMED),
        done.pk: (Priority.ROUTINE, None, TaskStatus.DONE),
        repeat_lipids(cancelled).pk: (Priority.ROUTINE, None, TaskStatus.CANCELLED),
        due_today.pk: (Priority.ROUTINE, None, TaskStatus.OPEN),
        not_yet_due.pk: (Priority.ROUTINE, None, TaskStatus.OPEN),
    }
    for task in (overdue_open, overdue_claimed):
        latest = task.history.latest()
        assert task.history.count() == history_before[task.pk] + 1
        assert (latest.priority, latest.escalated_on) == (Priority.URGENT, today())
        assert latest.history_change_reason == "escalated: overdue"
        assert latest.history_type == "~"
        assert latest.history_user is None  # the registry's job, not a person
    for pk in (done.pk, due_today.pk, not_yet_due.pk):
        assert Task.history.filter(id=pk).count() == history_before[pk]

    before = snapshot()
    assert jobs.escalate_overdue(today=today()) == 0
    assert snapshot() == before


def test_escalation_the_next_day_takes_only_tasks_newly_overdue(
    ped_a: User,
) -> None:
    overdue = repeat_lipids(flagged_child(ped_a, "A-1", sample_days_ago=60))
    due_today = repeat_lipids(flagged_child(ped_a, "A-2", sample_days_ago=42))
    assert jobs.escalate_overdue(today=today()) == 1

    assert jobs.escalate_overdue(today=today() + timedelta(days=1)) == 1

    overdue.refresh_from_db()
    due_today.refresh_from_db()
    assert overdue.escalated_on == today()  # not escalated a second time
    assert overdue.history.count() == 2  # created, escalated
    assert due_today.escalated_on == today() + timedelta(days=1)
    assert due_today.priority == Priority.URGENT


# --- Reminders ------------------------------------------------------------------------


def test_each_coordinator_gets_one_reminder_naming_pseudonyms_only(
    ped_a: User, mailoutbox: list[Any]
) -> None:
    alice = coordinator("alice_c", "alice@registry.example")
    bruno = coordinator("bruno_c", "bruno@registry.example")
    names = {
        "A-1": ("Clara", "Zeller"),
        "A-2": ("Dominik", "Yilmaz"),
        "A-3": ("Emil", "Xander"),
        "A-4": ("Frieda", "Wagner"),
        "A-5": ("Gustav", "Vogt"),
        "A-6": ("Hanna", "Unger"),
    }
    days_ago = {"A-1": 60, "A-2": 42, "A-3": 1, "A-4": 50, "A-5": 60, "A-6": 60}
    children = {
        number: flagged_child(
            ped_a, number, sample_days_ago=days_ago[number], given_name=g, family_name=f
        )
        for number, (g, f) in names.items()
    }
    holds = {"A-1": alice, "A-2": alice, "A-3": alice, "A-4": bruno, "A-6": bruno}
    for number, holder in holds.items():
        services.claim(repeat_lipids(children[number]), acting_user=holder)
    services.complete(repeat_lipids(children["A-6"]), acting_user=bruno)
    history_before = Task.history.count()

    assert jobs.send_reminders(today=today()) == 2

    mails = {tuple(m.to): m for m in mailoutbox}
    assert set(mails) == {("alice@registry.example",), ("bruno@registry.example",)}
    to_alice = mails[("alice@registry.example",)].body
    to_bruno = mails[("bruno@registry.example",)].body
    # Claimed and due (overdue or due today); not the one due later, not the
    # unclaimed A-5, not bruno's finished A-6.
    assert children["A-1"].pseudonym in to_alice
    assert children["A-2"].pseudonym in to_alice
    assert children["A-3"].pseudonym not in to_alice
    assert children["A-4"].pseudonym in to_bruno
    for number in ("A-5", "A-6"):
        assert children[number].pseudonym not in to_alice + to_bruno
    for mail in mailoutbox:
        for given_name, family_name in names.values():
            for name in (given_name, family_name):
                assert name not in mail.body
                assert name not in mail.subject
    reminded = set(
        Task.objects.filter(reminded_on=today()).values_list("person_id", flat=True)
    )
    assert reminded == {children["A-1"].pk, children["A-2"].pk, children["A-4"].pk}
    assert Task.history.count() == history_before  # operational, not audited

    assert jobs.send_reminders(today=today()) == 0
    assert len(mailoutbox) == 2

    # The next day the same tasks, still due, are reminded again.
    assert jobs.send_reminders(today=today() + timedelta(days=1)) == 2
    assert len(mailoutbox) == 4


def test_a_coordinator_without_an_address_gets_no_mail(
    ped_a: User, coord: User, mailoutbox: list[Any]
) -> None:
    assert coord.email == ""
    task = repeat_lipids(flagged_child(ped_a, "A-1", sample_days_ago=60))
    services.claim(task, acting_user=coord)

    assert jobs.send_reminders(today=today()) == 0
    assert mailoutbox == []


# --- Lost to follow-up ----------------------------------------------------------------


def test_an_episode_without_a_visit_for_18_months_is_closed_as_lost(
    ped_a: User, coord: User, settings: Any
) -> None:
    assert settings.LOST_TO_FOLLOW_UP_MONTHS == 18
    silent = flagged_child(ped_a, "A-1")
    services.claim(repeat_lipids(silent), acting_user=coord)
    seen_at_clinic = flagged_child(ped_a, "A-2")
    services.advance(
        open_episode_of(seen_at_clinic),
        stage=Stage.LIPID_CLINIC,
        acting_user=coord,
        on=today() + timedelta(days=400),
    )
    episode = open_episode_of(silent)

    # Opened today: within the period up to the day 18 months on, lost the day
    # after it (and closed on the sweep's day).
    months_on = _months_after(today(), 18)
    assert jobs.sweep_lost(today=months_on) == 0
    assert jobs.sweep_lost(today=months_on + timedelta(days=1)) == 1

    episode.refresh_from_db()
    assert episode.outcome == EpisodeOutcome.LOST_TO_FOLLOW_UP
    assert episode.closed_on == months_on + timedelta(days=1)
    assert episode.history.latest().history_user is None
    tasks = {t.kind: t for t in Task.objects.filter(person=silent)}
    assert set(tasks) == {TaskKind.REPEAT_LIPIDS, TaskKind.PRACTICE_RECALL}
    assert tasks[TaskKind.REPEAT_LIPIDS].status == TaskStatus.CANCELLED
    recall = tasks[TaskKind.PRACTICE_RECALL]
    assert (recall.status, recall.episode_id, recall.origin) == (
        TaskStatus.OPEN,
        episode.pk,
        TaskOrigin.PATHWAY,
    )
    assert recall.history.count() == 1
    assert open_episode_of(seen_at_clinic).outcome == ""

    before = snapshot()
    assert jobs.sweep_lost(today=months_on + timedelta(days=1)) == 0
    assert snapshot() == before


def _months_after(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def test_a_recent_sample_or_reached_contact_keeps_an_old_episode_open(
    ped_a: User, coord: User
) -> None:
    """Episodes open for 600 days: a sample or a reached contact within the last
    548 days is a visit; a failed contact is not."""
    recent_sample = flagged_child(ped_a, "A-1", sample_days_ago=700)
    screening_services.record_lab_result(
        acting_user=ped_a,
        person=recent_sample,
        entry=lab_entry(sample_date=today() - timedelta(days=30), **HIGH_LDL),
    )
    reached = flagged_child(ped_a, "A-2", sample_days_ago=700)
    services.record_contact_attempt(
        person=reached,
        channel="phone",
        outcome=ContactOutcome.REACHED,
        acting_user=coord,
    )
    only_failed = flagged_child(ped_a, "A-3", sample_days_ago=700)
    services.record_contact_attempt(
        person=only_failed,
        channel="phone",
        outcome=ContactOutcome.NO_ANSWER,
        acting_user=coord,
    )
    silent = flagged_child(ped_a, "A-4", sample_days_ago=600)
    for person in (recent_sample, reached, only_failed, silent):
        opened_days_ago(open_episode_of(person), 600, acting_user=coord)

    assert jobs.sweep_lost(today=today()) == 2

    lost = set(
        CareEpisode.objects.filter(
            outcome=EpisodeOutcome.LOST_TO_FOLLOW_UP
        ).values_list("person_id", flat=True)
    )
    assert lost == {only_failed.pk, silent.pk}
    assert set(
        Task.objects.filter(kind=TaskKind.PRACTICE_RECALL).values_list(
            "person_id", flat=True
        )
    ) == {only_failed.pk, silent.pk}
    before = snapshot()
    assert jobs.sweep_lost(today=today()) == 0
    assert snapshot() == before


def test_three_failed_contact_attempts_in_a_row_close_the_episode(
    ped_a: User, coord: User, settings: Any
) -> None:
    assert settings.FOLLOWUP_LOST_AFTER_FAILED_ATTEMPTS == 3
    person = flagged_child(ped_a, "A-1")
    episode = open_episode_of(person)
    for outcome in (ContactOutcome.NO_ANSWER, ContactOutcome.LEFT_MESSAGE):
        services.record_contact_attempt(
            person=person, channel="phone", outcome=outcome, acting_user=coord
        )
    episode.refresh_from_db()
    assert episode.is_open

    services.record_contact_attempt(
        person=person,
        channel="letter",
        outcome=ContactOutcome.RETURNED,
        acting_user=coord,
    )

    episode.refresh_from_db()
    assert (episode.outcome, episode.closed_on) == (
        EpisodeOutcome.LOST_TO_FOLLOW_UP,
        today(),
    )
    assert episode.history.latest().history_user == coord
    statuses = dict(Task.objects.filter(person=person).values_list("kind", "status"))
    assert statuses == {
        TaskKind.REPEAT_LIPIDS: TaskStatus.CANCELLED,
        TaskKind.PRACTICE_RECALL: TaskStatus.OPEN,
    }
    cancelled = repeat_lipids(person).history.latest()
    assert (cancelled.status, cancelled.history_type, cancelled.history_user) == (
        TaskStatus.CANCELLED,
        "~",
        coord,
    )


def test_a_reached_contact_in_between_starts_the_count_again(
    ped_a: User, coord: User
) -> None:
    person = flagged_child(ped_a, "A-1")
    episode = open_episode_of(person)
    for outcome in (
        ContactOutcome.NO_ANSWER,
        ContactOutcome.NO_ANSWER,
        ContactOutcome.REACHED,
        ContactOutcome.NO_ANSWER,
        ContactOutcome.WRONG_CONTACT,
    ):
        services.record_contact_attempt(
            person=person, channel="phone", outcome=outcome, acting_user=coord
        )
    episode.refresh_from_db()
    assert episode.is_open
    assert not Task.objects.filter(kind=TaskKind.PRACTICE_RECALL).exists()

    services.record_contact_attempt(
        person=person,
        channel="phone",
        outcome=ContactOutcome.NO_ANSWER,
        acting_user=coord,
    )

    episode.refresh_from_db()
    assert episode.outcome == EpisodeOutcome.LOST_TO_FOLLOW_UP


# --- Yearly reviews -------------------------------------------------------------------


def test_a_treated_child_gets_one_review_task_a_lead_time_before_each_anniversary(
    ped_a: User, coord: User, settings: Any
) -> None:
    lead = timedelta(days=settings.FOLLOWUP_REVIEW_LEAD_DAYS)
    treated = flagged_child(ped_a, "A-1")
    episode = services.advance(
        open_episode_of(treated),
        stage=Stage.TREATMENT,
        acting_user=coord,
        on=today(),
    )
    flagged_child(ped_a, "A-2")  # an episode without treatment gets no review
    first = rules.anniversary(today(), today().year + 1)
    second = rules.anniversary(today(), today().year + 2)

    assert jobs.schedule_yearly_reviews(today=today()) == 0
    assert jobs.schedule_yearly_reviews(today=first - lead - timedelta(days=1)) == 0
    assert jobs.schedule_yearly_reviews(today=first - lead) == 1

    review = Task.objects.get(kind=TaskKind.YEARLY_REVIEW)
    assert (
        review.person_id,
        review.episode_id,
        review.due_date,
        review.origin,
        review.status,
    ) == (treated.pk, episode.pk, first, TaskOrigin.SCHEDULE, TaskStatus.OPEN)
    assert review.history.count() == 1

    before = snapshot()
    for day in (first - lead, first - timedelta(days=1), first):
        assert jobs.schedule_yearly_reviews(today=day) == 0
    assert snapshot() == before

    assert jobs.schedule_yearly_reviews(today=second - lead) == 1
    assert list(
        Task.objects.filter(kind=TaskKind.YEARLY_REVIEW)
        .order_by("due_date")
        .values_list("due_date", flat=True)
    ) == [first, second]
