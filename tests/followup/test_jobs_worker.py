"""The follow-up's beat jobs run as Celery tasks in a real worker over the real
Redis broker: each changes the database once, and sent again changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings

from fh_registry.celery import app
from fh_registry.models import User
from followup import services, tasks
from followup.models import (
    CareEpisode,
    EpisodeOutcome,
    Priority,
    Stage,
    Task,
    TaskKind,
    TaskStatus,
)
from screening import rules
from tests.followup.test_jobs import (
    coordinator,
    flagged_child,
    open_episode_of,
    opened_days_ago,
    repeat_lipids,
    snapshot,
    today,
)

# In the order of the beat schedule (fh_registry/settings.py).
BEAT_ORDER = (
    tasks.escalate_overdue_tasks,
    tasks.sweep_lost_to_follow_up,
    tasks.schedule_yearly_reviews,
    tasks.send_task_reminders,
)


@pytest.fixture(autouse=True)
def _active_ruleset(settings: Any) -> None:
    settings.ACTIVE_PAEDIATRIC_RULESET = "eas2026"


@pytest.fixture
def celery_worker(transactional_db: Any) -> Iterator[None]:
    with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING"):
        yield


def run_in_worker() -> dict[str, int]:
    """Send each job to the worker, one after the other; what each returned."""
    return {task.name: task.delay().get(timeout=60) for task in BEAT_ORDER}


def test_the_beat_schedule_names_the_followup_tasks() -> None:
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    for task in BEAT_ORDER:
        assert task.name in scheduled
        assert task.name in app.tasks


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_the_daily_jobs_in_a_worker_change_things_once(
    celery_worker: None, ped_a: User, mailoutbox: list[Any]
) -> None:
    alice = coordinator("alice_c", "alice@registry.example")
    overdue = flagged_child(ped_a, "A-1", sample_days_ago=60)  # due 18 days ago
    services.claim(repeat_lipids(overdue), acting_user=alice)
    silent = flagged_child(ped_a, "A-2", sample_days_ago=700, given_name="Ben")
    opened_days_ago(open_episode_of(silent), 600, acting_user=alice)
    treated = flagged_child(ped_a, "A-3", given_name="Carla")
    started = today() - timedelta(days=355)
    services.advance(
        open_episode_of(treated), stage=Stage.TREATMENT, acting_user=alice, on=started
    )
    anniversary = rules.anniversary(started, started.year + 1)
    assert anniversary - today() <= timedelta(days=settings.FOLLOWUP_REVIEW_LEAD_DAYS)

    assert run_in_worker() == {
        "followup.tasks.escalate_overdue_tasks": 2,  # A-1's and A-2's
        "followup.tasks.sweep_lost_to_follow_up": 1,  # A-2's episode
        "followup.tasks.schedule_yearly_reviews": 1,  # A-3's review
        "followup.tasks.send_task_reminders": 1,  # alice, about A-1
    }

    held = repeat_lipids(overdue)
    assert (held.priority, held.escalated_on, held.reminded_on) == (
        Priority.URGENT,
        today(),
        today(),
    )
    lost = CareEpisode.objects.get(person=silent)
    assert lost.outcome == EpisodeOutcome.LOST_TO_FOLLOW_UP
    assert dict(Task.objects.filter(person=silent).values_list("kind", "status")) == {
        TaskKind.REPEAT_LIPIDS: TaskStatus.CANCELLED,
        TaskKind.PRACTICE_RECALL: TaskStatus.OPEN,
    }
    review = Task.objects.get(kind=TaskKind.YEARLY_REVIEW)
    assert (review.person_id, review.due_date) == (treated.pk, anniversary)
    assert [m.to for m in mailoutbox] == [["alice@registry.example"]]
    assert overdue.pseudonym in mailoutbox[0].body
    assert "Anna" not in mailoutbox[0].body
    assert "Huber" not in mailoutbox[0].body

    before = snapshot()
    assert set(run_in_worker().values()) == {0}
    assert snapshot() == before
    assert len(mailoutbox) == 1
