"""`run_import_batch` in a real Celery worker over Redis, published by the outbox."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from celery.contrib.testing.worker import start_worker

from fh_registry.celery import app
from fh_registry.models import OutboxMessage, Practice
from screening.imports.pipeline import start_import
from screening.imports.tasks import run_import_batch
from screening.models import ImportStatus, LabResult
from tests.screening.imports.conftest import DATA


@pytest.fixture
def celery_worker(transactional_db: Any) -> Iterator[None]:
    with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING"):
        yield


@pytest.mark.celery_worker
def test_the_outbox_publishes_the_import_and_a_rerun_does_nothing(
    cast: Any, celery_worker: None
) -> None:
    source = DATA / "import_sample.csv"
    started = start_import(
        acting_user=cast["ped_a"],
        practice=Practice.objects.get(code="DEMO-A"),
        file_name=source.name,
        chunks=[source.read_bytes()],
        language="en",
    )
    batch = started.batch

    # The solo worker runs the outbox's task first; this second one finds the
    # batch completed and leaves it alone (idempotent, acks_late).
    result = run_import_batch.delay(batch.pk).get(timeout=60)

    assert result == {
        "batch_id": batch.pk,
        "status": ImportStatus.COMPLETED,
        "rows_read": 6,
        "rows_imported": 6,
        "rows_skipped": 0,
        "rows_rejected": 0,
    }
    assert LabResult.objects.filter(import_batch=batch).count() == 6
    assert OutboxMessage.objects.get().done_at is not None
