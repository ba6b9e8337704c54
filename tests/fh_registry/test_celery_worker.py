"""A real Celery worker over the real Redis broker runs the registry's tasks."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from celery.contrib.testing.worker import start_worker

from fh_registry.celery import app
from fh_registry.models import OutboxMessage
from fh_registry.tasks import relay_outbox


@pytest.fixture
def celery_worker(transactional_db: Any) -> Iterator[None]:
    with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING"):
        yield


@pytest.mark.celery_worker
def test_relay_outbox_publishes_pending_messages_in_a_worker(
    celery_worker: None,
) -> None:
    pending = OutboxMessage.objects.create(
        task_name="fh_registry.tasks.relay_outbox", kwargs={}
    )

    published = relay_outbox.delay().get(timeout=30)

    assert published == 1
    pending.refresh_from_db()
    assert pending.published_at is not None
    assert pending.attempts == 1
