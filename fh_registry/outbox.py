"""Transactional outbox: tasks are written as rows in the business transaction and
published to Celery only after commit, so a broker outage never loses work."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from fh_registry.models import OutboxMessage

logger = logging.getLogger(__name__)

RELAY_BATCH_SIZE = 100


def enqueue(task_name: str, **kwargs: Any) -> OutboxMessage:
    """Record a task to publish; call inside the transaction that makes it due."""
    message = OutboxMessage.objects.create(task_name=task_name, kwargs=kwargs)
    # In the request: one try, no waiting on a broker that is down (the beat
    # relay publishes the row later).
    transaction.on_commit(lambda: relay_pending(ids=[message.pk], retry=False))
    return message


def republish(messages: QuerySet[OutboxMessage]) -> int:
    """Mark published messages as pending again: their work never started (the
    broker lost them, or a worker died before taking them). The tasks are
    idempotent, so a message that was only slow is harmless twice."""
    return messages.filter(published_at__isnull=False).update(published_at=None)


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
        pending = OutboxMessage.objects.filter(published_at__isnull=True)
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
    for message in batch:
        try:
            app.tasks[message.task_name].apply_async(kwargs=message.kwargs, retry=retry)
        except Exception as error:  # broker down: back to pending, retried later
            OutboxMessage.objects.filter(pk=message.pk).update(
                published_at=None, last_error=str(error)[:2000]
            )
            logger.warning("outbox publish failed: %s", error)
            continue
        published += 1
    return published
