"""A Celery worker killed (SIGKILL) in the middle of an import: its transaction
dies with it, the sweep publishes the import again, a new worker does it, and
every row is stored once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from fh_registry import outbox
from fh_registry.models import OutboxMessage, Practice
from screening.models import ImportBatch, ImportStatus, LabResult
from tests.faults.conftest import Registry, done, wait_until
from tests.screening.imports.conftest import mixed_rows, write_file

pytestmark = [pytest.mark.faults, pytest.mark.celery_worker]

ROWS = 8000  # four chunks of 2,000 rows, progress written after each


def running_past(batch: ImportBatch, percent: int) -> bool:
    batch.refresh_from_db()
    return batch.status == ImportStatus.RUNNING and batch.progress >= percent


def test_a_worker_killed_mid_import_leaves_it_to_the_sweep_and_it_is_done_once(
    registry: Registry, ped_a: Any, settings: Any, tmp_path: Path
) -> None:
    first = registry.worker()
    browser = registry.web().signed_in("ped_a")
    source = write_file(tmp_path / "large.csv", mixed_rows(ROWS, prefix="K"))
    uploaded = browser.submit(
        "/screening/imports/",
        {"practice": str(Practice.objects.get(code="DEMO-A").pk)},
        files={"file": (source.name, source.read_bytes(), "text/csv")},
    )
    assert uploaded.status_code == 302, uploaded.text[-2000:]
    batch = ImportBatch.objects.get()
    message = OutboxMessage.objects.get()
    wait_until(lambda: running_past(batch, 40), seconds=120, what="the import")
    settings.OUTBOX_REQUEUE_AFTER_SECONDS = 0  # production waits 10 minutes
    assert outbox.requeue_stale() == 0  # held by the live worker: left alone

    first.kill()
    # The sweep finds the message once PostgreSQL has ended the dead worker's
    # sessions: its transaction rolled back, its hold on the message gone.
    assert wait_until(outbox.requeue_stale, seconds=30, what="the sweep") == 1
    batch.refresh_from_db()
    assert batch.status == ImportStatus.RUNNING
    assert not LabResult.objects.filter(import_batch=batch).exists()

    registry.worker()  # a new one, starting while the relay publishes
    assert registry.relay() == 1
    wait_until(lambda: done(message), seconds=120, what="the rerun")
    assert message.attempts == 2

    batch.refresh_from_db()
    assert batch.status == ImportStatus.COMPLETED, batch.message
    assert batch.rows_read == ROWS
    stored = LabResult.objects.filter(import_batch=batch)
    assert stored.count() == batch.rows_imported > ROWS // 2
    samples = stored.exclude(lab_sample_id="").values_list("lab_sample_id", flat=True)
    assert len(samples) == len(set(samples))
    assert LabResult.history.filter(import_batch=batch).count() == stored.count()
    assert batch.history.filter(status=ImportStatus.COMPLETED).count() == 1
    assert outbox.requeue_stale() == 0
