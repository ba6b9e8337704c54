"""Transactional outbox: tasks are written as rows in the business transaction,
published to Celery after commit, and marked done by the task when its work is
recorded, so a broker outage, a lost message or a killed worker delays work and
never loses it.

A message's life: pending (`published_at` empty) → published by the relay →
taken by a worker, which holds it while the work runs (`deliver`) → done
(`done_at`) when the work returned. A message published longer ago than
OUTBOX_REQUEUE_AFTER_SECONDS that is neither done nor held by a worker was
lost by the broker or by a killed worker: the sweep (`requeue_stale`) makes it
pending again. Every outboxed task is idempotent, so a message delivered twice
is harmless. A message whose work raised OUTBOX_MAX_FAILURES times is given up
(`given_up_at`): the sweep leaves it, and the error log names it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import nullcontext
from datetime import timedelta
from typing import Any, TypeVar

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import BooleanField, F, Func, Q, QuerySet, Value
from django.utils import timezone

from fh_registry.models import OutboxMessage

logger = logging.getLogger(__name__)

RELAY_BATCH_SIZE = 100
ONE_TRY = {"max_retries": 0, "socket_connect_timeout": 1.0}
SWEEP_BATCH_SIZE = 1000
# PostgreSQL advisory-lock keys of outbox messages: "OB" in the high bits, the
# message id below (one bigint key, apart from the two-integer keys of imports).
_LOCK_BASE = 0x4F42 << 40

T = TypeVar("T")


class _AdvisoryLock(Func):
    """A PostgreSQL advisory-lock function on a message's key, per row."""

    output_field = BooleanField()

    def __init__(self, function: str) -> None:
        super().__init__(F("pk") + Value(_LOCK_BASE), function=function)


def enqueue(task_name: str, **kwargs: Any) -> OutboxMessage:
    """Record a task to publish; call inside the transaction that makes it due."""
    message = OutboxMessage.objects.create(task_name=task_name, kwargs=kwargs)
    # In the request: one try, no waiting on a broker that is down (the beat
    # relay publishes the row later).
    transaction.on_commit(lambda: relay_pending(ids=[message.pk], retry=False))
    return message


def republish(messages: QuerySet[OutboxMessage]) -> int:
    """Mark published messages that are not done as pending again, for the
    relay to publish."""
    return messages.filter(published_at__isnull=False, done_at__isnull=True).update(
        published_at=None
    )


# Given up after OUTBOX_MAX_FAILURES failed runs, and not done since.
GIVEN_UP = Q(given_up_at__isnull=False, done_at__isnull=True)


def run_again(messages: QuerySet[OutboxMessage]) -> int:
    """Give given-up messages a fresh start once an operator has removed the
    cause: their failures count from zero and the relay publishes them after
    commit (the task, idempotent, decides again). Returns how many."""
    ids = list(messages.filter(GIVEN_UP).values_list("pk", flat=True))
    OutboxMessage.objects.filter(pk__in=ids).update(
        given_up_at=None, failures=0, published_at=None
    )
    if ids:
        transaction.on_commit(lambda: relay_pending(ids=ids, retry=False))
    return len(ids)


def relay_pending(*, ids: list[int] | None = None, retry: bool = True) -> int:
    """Publish pending messages; returns how many were published.

    The rows are claimed (marked published) in a short transaction with SKIP
    LOCKED, so two relays never publish one message, and published after it
    commits: no transaction stays open while a broker is slow, and a task run
    in-process (no broker) never waits on a lock its own caller holds. A
    publish that fails puts its row back to pending for the next relay.
    """
    from fh_registry.celery import app  # noqa: PLC0415 - avoid import cycle at startup

    with transaction.atomic():
        pending = OutboxMessage.objects.filter(
            published_at__isnull=True, done_at__isnull=True
        )
        if ids is not None:
            pending = pending.filter(pk__in=ids)
        batch = list(
            pending.select_for_update(skip_locked=True).order_by("created_at")[
                :RELAY_BATCH_SIZE
            ]
        )
        OutboxMessage.objects.filter(pk__in=[m.pk for m in batch]).update(
            published_at=timezone.now(), attempts=F("attempts") + 1
        )
    published = 0
    # Without retries, a connection of its own that tries once: through the
    # pool, kombu would keep reconnecting to a broker that is down for
    # broker_connection_timeout (some 6 s per upload). No result is asked for:
    # outboxed work is read back from the database, and subscribing to a
    # result retries a result store that is down for some 20 s.
    with (
        nullcontext(None)
        if retry
        else app.connection_for_write(transport_options=ONE_TRY)
    ) as connection:
        for message in batch:
            try:
                app.tasks[message.task_name].apply_async(
                    kwargs=message.kwargs,
                    retry=retry,
                    connection=connection,
                    ignore_result=True,
                )
            except Exception as error:  # broker down: back to pending, retried later
                OutboxMessage.objects.filter(pk=message.pk).update(
                    published_at=None, last_error=str(error)[:2000]
                )
                logger.warning("outbox publish failed: %s", error)
                continue
            published += 1
    return published


def deliver(task_name: str, kwargs: dict[str, Any], work: Callable[[], T]) -> T | None:
    """Do the work that the messages of `task_name` with `kwargs` asked for.

    While `work` runs, the messages are held by a PostgreSQL session lock, which
    ends with the worker's connection however the worker ends: the sweep leaves
    a held message alone and publishes again one whose worker died. When `work`
    returns, its effect is recorded and the messages are marked done. When it
    raises, they stay for the sweep (the task, idempotent, decides again).
    Returns None without working when another worker holds them: a message
    delivered twice (the broker redelivered it, or the sweep was early) runs
    once at a time. A task sent without the outbox, or again after its work
    was done, simply runs (and finds its work done).
    """
    messages = OutboxMessage.objects.filter(
        task_name=task_name, kwargs=kwargs, done_at__isnull=True
    )
    held = _hold(messages)
    if held is None:
        logger.info("outbox: %s %s is being run by another worker", task_name, kwargs)
        return None
    try:
        result = work()
        OutboxMessage.objects.filter(pk__in=held).update(done_at=timezone.now())
    except Exception as error:
        _count_failure(held, error)
        raise
    finally:
        _release(held)
    return result


def _count_failure(held: list[int], error: Exception) -> None:
    """One more failed run of these messages; those at OUTBOX_MAX_FAILURES are
    given up. A database that is gone records nothing: the sweep runs them
    again, and a lost count errs on the side of trying once more."""
    try:
        messages = OutboxMessage.objects.filter(pk__in=held)
        messages.update(failures=F("failures") + 1, last_error=repr(error)[:2000])
        given_up = list(
            messages.filter(
                failures__gte=settings.OUTBOX_MAX_FAILURES, given_up_at__isnull=True
            ).values_list("pk", "task_name", "kwargs")
        )
        messages.filter(pk__in=[pk for pk, _name, _kwargs in given_up]).update(
            given_up_at=timezone.now()
        )
    except DatabaseError as record_error:
        logger.warning(
            "outbox: recording the failure of %s failed: %s", held, record_error
        )
        return
    for pk, task_name, kwargs in given_up:
        logger.error(
            "outbox: message %s (%s %s) failed %s times and is given up: %r",
            pk,
            task_name,
            kwargs,
            settings.OUTBOX_MAX_FAILURES,
            error,
        )


def requeue_stale() -> int:
    """Make pending again the messages published over OUTBOX_REQUEUE_AFTER_SECONDS
    ago whose work is neither done nor running (no worker holds it): the broker
    lost them (a restart without persistence) or the worker that took them was
    killed. Returns how many."""
    cutoff = timezone.now() - timedelta(seconds=settings.OUTBOX_REQUEUE_AFTER_SECONDS)
    stale = OutboxMessage.objects.filter(
        published_at__lt=cutoff, done_at__isnull=True, given_up_at__isnull=True
    ).order_by("pk")
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Held until this transaction ends: a worker starting one of these
            # now finds it held and leaves it to the publish that follows.
            free = [
                pk
                for pk, unheld in stale.annotate(
                    unheld=_AdvisoryLock("pg_try_advisory_xact_lock")
                ).values_list("pk", "unheld")[:SWEEP_BATCH_SIZE]
                if unheld
            ]
        else:  # SQLite runs tasks in-process: nothing is held elsewhere
            free = list(stale.values_list("pk", flat=True)[:SWEEP_BATCH_SIZE])
        count = republish(OutboxMessage.objects.filter(pk__in=free))
    if count:
        logger.warning("outbox: %s message(s) lost unstarted or unfinished", count)
    return count


def prune_done() -> int:
    """Delete the messages done more than OUTBOX_KEEP_DONE_DAYS ago (a task
    sent again later simply runs and finds its work done); not-done and
    given-up messages stay. Returns how many were deleted."""
    cutoff = timezone.now() - timedelta(days=settings.OUTBOX_KEEP_DONE_DAYS)
    deleted, _by_model = OutboxMessage.objects.filter(done_at__lt=cutoff).delete()
    return deleted


def _hold(messages: QuerySet[OutboxMessage]) -> list[int] | None:
    """Lock the messages for this worker's session: their ids, or None (and
    nothing held) when another session holds one of them."""
    if connection.vendor != "postgresql":
        return list(messages.values_list("pk", flat=True))
    taken = dict(
        messages.annotate(taken=_AdvisoryLock("pg_try_advisory_lock")).values_list(
            "pk", "taken"
        )
    )
    held = [pk for pk, ok in taken.items() if ok]
    if len(held) < len(taken):
        _release(held)
        return None
    return held


def _release(held: list[int]) -> None:
    """Unlock, also after a failure, which may have been the connection's own."""
    if connection.vendor != "postgresql" or not held:
        return
    try:
        with transaction.atomic():
            list(
                OutboxMessage.objects.filter(pk__in=held)
                .annotate(released=_AdvisoryLock("pg_advisory_unlock"))
                .values_list("released", flat=True)
            )
    except DatabaseError as error:  # the session, and its locks, are gone already
        logger.warning("outbox: releasing %s failed: %s", held, error)
