"""The outbox's delivery and sweep, for any outboxed task: a message is marked
done when its work returned; one that a broker or a killed worker lost is
published again after OUTBOX_REQUEUE_AFTER_SECONDS; one a live worker holds is
neither run twice at once nor published again."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

import pytest
from django.db import connection
from django.utils import timezone

from fh_registry import outbox
from fh_registry.models import OutboxMessage

pytestmark = pytest.mark.django_db(transaction=True)

IMPORT = "screening.imports.tasks.run_import_batch"
EXPORT = "epidemiology.tasks.run_export"
T = TypeVar("T")


def published(task_name: str, minutes_ago: int, **kwargs: Any) -> OutboxMessage:
    return OutboxMessage.objects.create(
        task_name=task_name,
        kwargs=kwargs,
        published_at=timezone.now() - timedelta(minutes=minutes_ago),
        attempts=1,
    )


def elsewhere(call: Callable[[], T]) -> T:
    """`call` in another thread, so on a database connection (session) of its own,
    as in another worker."""
    answer: list[T] = []

    def run() -> None:
        try:
            answer.append(call())
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=30)
    assert answer, "the other session did not answer"
    return answer[0]


def done(message: OutboxMessage) -> bool:
    message.refresh_from_db()
    return message.done_at is not None


def pending(message: OutboxMessage) -> bool:
    message.refresh_from_db()
    return message.published_at is None


def test_messages_lost_unstarted_are_published_again_whatever_their_task() -> None:
    lost_import = published(IMPORT, minutes_ago=30, batch_id=1)
    lost_export = published(EXPORT, minutes_ago=11, job_id="a1")
    fresh = published(IMPORT, minutes_ago=1, batch_id=2)

    assert outbox.requeue_stale() == 2

    assert pending(lost_import)
    assert pending(lost_export)
    assert not pending(fresh)
    assert outbox.requeue_stale() == 0  # pending again: the relay's now


def test_work_done_marks_its_message_done_and_it_is_not_swept() -> None:
    message = published(IMPORT, minutes_ago=30, batch_id=7)

    assert outbox.deliver(IMPORT, {"batch_id": 7}, lambda: "imported") == "imported"

    assert done(message)
    assert outbox.requeue_stale() == 0
    # Delivered again (a redelivery, the sweep's early copy): the idempotent
    # task runs and finds its work done; the message stays done.
    assert outbox.deliver(IMPORT, {"batch_id": 7}, lambda: "done already")
    assert done(message)


def test_a_message_a_live_worker_holds_is_neither_swept_nor_run_twice() -> None:
    message = published(IMPORT, minutes_ago=30, batch_id=7)
    ran: list[str] = []

    def work() -> tuple[int, Any]:
        ran.append("first")
        sweep = elsewhere(outbox.requeue_stale)
        second = elsewhere(
            lambda: outbox.deliver(IMPORT, {"batch_id": 7}, lambda: ran.append("2nd"))
        )
        return sweep, second

    assert outbox.deliver(IMPORT, {"batch_id": 7}, work) == (0, None)
    assert ran == ["first"]
    assert done(message)


def test_work_that_raised_leaves_its_message_for_the_sweep() -> None:
    message = published(EXPORT, minutes_ago=30, job_id="b2")

    def work() -> None:
        raise RuntimeError("the worker's database went away")

    with pytest.raises(RuntimeError):
        outbox.deliver(EXPORT, {"job_id": "b2"}, work)

    assert not done(message)
    message.refresh_from_db()
    assert (message.failures, message.given_up_at) == (1, None)
    # No longer held: the sweep, in another worker's session, publishes it again.
    assert elsewhere(outbox.requeue_stale) == 1
    assert pending(message)


def test_a_message_whose_work_keeps_failing_is_given_up_not_swept_for_ever(
    settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    settings.OUTBOX_MAX_FAILURES = 3
    message = published(EXPORT, minutes_ago=30, job_id="c3")
    other = published(EXPORT, minutes_ago=30, job_id="d4")

    def work() -> None:
        raise ValueError("a lasting fault")

    for run in range(1, 4):
        with pytest.raises(ValueError, match="a lasting fault"):
            outbox.deliver(EXPORT, {"job_id": "c3"}, work)
        message.refresh_from_db()
        assert message.failures == run
        assert "a lasting fault" in message.last_error
        # Below the limit the sweep publishes it again; at the limit, never.
        assert (message.given_up_at is not None) == (run == 3)

    assert not done(message)
    assert elsewhere(outbox.requeue_stale) == 1  # only the other message
    assert not pending(message)
    assert pending(other)
    given_up = [r for r in caplog.records if r.levelname == "ERROR"]
    assert len(given_up) == 1
    assert f"message {message.pk}" in given_up[0].getMessage()
    assert "given up" in given_up[0].getMessage()


def test_a_task_sent_without_the_outbox_simply_runs() -> None:
    other = published(IMPORT, minutes_ago=30, batch_id=8)

    assert outbox.deliver(IMPORT, {"batch_id": 9}, lambda: "ran") == "ran"

    assert not done(other)


def test_done_messages_are_pruned_after_the_keeping_period_and_nothing_else(
    settings: Any,
) -> None:
    settings.OUTBOX_KEEP_DONE_DAYS = 30
    now = timezone.now()
    old_done = published(IMPORT, minutes_ago=60 * 24 * 40, batch_id=10)
    recent_done = published(IMPORT, minutes_ago=60 * 24 * 40, batch_id=11)
    old_given_up = published(EXPORT, minutes_ago=60 * 24 * 40, job_id="e5")
    old_undone = published(IMPORT, minutes_ago=60 * 24 * 40, batch_id=12)
    OutboxMessage.objects.filter(pk=old_done.pk).update(
        done_at=now - timedelta(days=31)
    )
    OutboxMessage.objects.filter(pk=recent_done.pk).update(
        done_at=now - timedelta(days=29)
    )
    OutboxMessage.objects.filter(pk=old_given_up.pk).update(
        given_up_at=now - timedelta(days=31), failures=5
    )

    assert outbox.prune_done() == 1
    assert outbox.prune_done() == 0  # run again: nothing more

    assert set(OutboxMessage.objects.values_list("pk", flat=True)) == {
        recent_done.pk,
        old_given_up.pk,
        old_undone.pk,
    }


def test_the_beat_schedule_runs_the_outbox_jobs(settings: Any) -> None:
    # A worker finds the tasks module by autodiscovery; this process imports it.
    from fh_registry import tasks  # noqa: F401, PLC0415
    from fh_registry.celery import app  # noqa: PLC0415

    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    for name in (
        "fh_registry.tasks.relay_outbox",
        "fh_registry.tasks.requeue_stale_outbox",
        "fh_registry.tasks.prune_outbox",
    ):
        assert name in scheduled
        assert name in app.tasks
