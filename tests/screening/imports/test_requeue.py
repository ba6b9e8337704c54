"""A message the broker lost (a Redis restart without persistence) leaves its
batch pending: the sweep publishes it again, once; started batches and fresh
messages are left alone."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from fh_registry import outbox
from fh_registry.models import OutboxMessage
from screening.imports.pipeline import TASK_NAME
from screening.imports.tasks import requeue_stale_imports
from screening.models import ImportStatus
from tests.screening.imports.conftest import DATA, register

pytestmark = pytest.mark.django_db


def _published(batch_id: int, minutes_ago: int) -> OutboxMessage:
    return OutboxMessage.objects.create(
        task_name=TASK_NAME,
        kwargs={"batch_id": batch_id},
        published_at=timezone.now() - timedelta(minutes=minutes_ago),
        attempts=1,
    )


def test_a_lost_message_is_published_again_once(ped_a: Any, ped_b: Any) -> None:
    lost = register(ped_a, DATA / "import_sample.csv").batch
    fresh = register(ped_b, DATA / "import_sample.csv", practice_code="DEMO-B").batch
    lost_message = _published(lost.pk, minutes_ago=30)
    fresh_message = _published(fresh.pk, minutes_ago=1)

    assert requeue_stale_imports() == 1
    lost_message.refresh_from_db()
    fresh_message.refresh_from_db()
    assert lost_message.published_at is None
    assert fresh_message.published_at is not None

    # The relay publishes it again (to the real broker); a second sweep right
    # after finds nothing stale.
    assert outbox.relay_pending(ids=[lost_message.pk]) == 1
    assert requeue_stale_imports() == 0


def test_a_started_batch_is_not_published_again(ped_a: Any) -> None:
    batch = register(ped_a, DATA / "import_sample.csv").batch
    batch.status = ImportStatus.RUNNING
    batch.save(update_fields=["status"])
    message = _published(batch.pk, minutes_ago=30)
    assert requeue_stale_imports() == 0
    message.refresh_from_db()
    assert message.published_at is not None
