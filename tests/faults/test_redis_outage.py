"""Redis, the registry's broker and cache, stopped and restarted under a running
registry (gunicorn, a Celery worker): pages and saving keep working while it is
down, and work published through the outbox is done once when it is back;
none is lost, none is doubled."""

from __future__ import annotations

import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from epidemiology.models import ExportRecord
from fh_registry import outbox
from fh_registry.models import OutboxMessage, Practice
from followup.models import CareEpisode, Task
from screening.models import ImportBatch, ImportStatus, LabResult
from tests.faults.conftest import PrivateRedis, Registry, done, wait_until
from tests.screening.imports.conftest import mixed_rows, write_file

pytestmark = [pytest.mark.faults, pytest.mark.celery_worker]

# LDL-C 5.2 mmol/L: positive, so the result opens a care episode.
FLAGGED_RESULT = {
    "sample_date": "2026-11-02",
    "sample_type": "capillary",
    "fasting": "unknown",
    "unit": "mmol/L",
    "total_cholesterol": "7.0",
    "hdl_cholesterol": "1.3",
    "ldl_cholesterol": "5.2",
    "ldl_method": "direct",
    "triglycerides": "1.1",
}
FINISHED = (ImportStatus.COMPLETED, ImportStatus.FAILED, ImportStatus.REFUSED)


def finished(batch: ImportBatch) -> ImportBatch | None:
    batch.refresh_from_db()
    return batch if batch.status in FINISHED else None


def test_with_redis_stopped_a_pediatrician_works_on_and_the_upload_runs_after(
    registry: Registry,
    private_redis: PrivateRedis,
    ped_a: Any,
    child_a: Any,
    tmp_path: Path,
) -> None:
    web = registry.web()
    browser = web.signed_in("ped_a")  # the session is in Redis and the database
    private_redis.stop()

    page = browser.get(f"/screening/children/{child_a.pseudonym}/")
    assert page.status_code == 200
    assert "Huber" in page.text
    saved = browser.submit(
        f"/screening/children/{child_a.pseudonym}/results/new/", FLAGGED_RESULT
    )
    assert saved.status_code == 302, saved.text[-2000:]
    result = LabResult.objects.get(person=child_a)
    assert result.ldl_cholesterol_entered == Decimal("5.2")
    # Its follow-up is written with it, in the same transaction: no broker needed.
    assert CareEpisode.objects.filter(person=child_a).count() == 1
    assert Task.objects.get(person=child_a).kind == "repeat_lipids"

    source = write_file(tmp_path / "during-outage.csv", mixed_rows(300, prefix="R"))
    began = time.monotonic()
    uploaded = browser.submit(
        "/screening/imports/",
        {"practice": str(Practice.objects.get(code="DEMO-A").pk)},
        files={"file": (source.name, source.read_bytes(), "text/csv")},
    )
    assert uploaded.status_code == 302, uploaded.text[-2000:]
    assert time.monotonic() - began < 5  # one try at the broker, no waiting
    batch = ImportBatch.objects.get()
    message = OutboxMessage.objects.get()
    assert (batch.status, message.published_at, message.attempts) == (
        ImportStatus.PENDING,
        None,
        1,
    )
    assert "Connection refused" in message.last_error
    assert browser.get(f"/screening/imports/{batch.pk}/").status_code == 200

    private_redis.start()
    registry.worker()
    assert registry.relay() == 1  # the beat's relay job, once Redis is back

    wait_until(lambda: finished(batch), seconds=90, what="the import")
    assert batch.status == ImportStatus.COMPLETED, batch.message
    assert batch.rows_read == 300
    assert LabResult.objects.filter(import_batch=batch).count() == batch.rows_imported
    assert batch.rows_imported > 200
    assert CareEpisode.objects.filter(person__practice_patient_number__startswith="R")
    assert done(message)
    assert message.attempts == 2  # refused while Redis was down, then relayed
    assert LabResult.objects.filter(person=child_a).count() == 1


def test_a_message_lost_by_a_broker_restart_is_published_again_and_run_once(
    registry: Registry, private_redis: PrivateRedis, epi: Any, settings: Any
) -> None:
    web = registry.web()
    browser = web.signed_in("epi")
    asked = browser.submit(
        "/statistics/exports/table/",
        {
            "table-table": "outcomes",
            "table-ruleset": "eas2026",
            "table-file_format": "csv",
        },
        form_page="/statistics/",
    )
    assert asked.status_code == 302, asked.text[-2000:]
    message = OutboxMessage.objects.get()
    assert message.published_at is not None  # published at once, after commit
    assert private_redis.client().llen("celery") == 1  # no worker has taken it

    private_redis.restart()  # without persistence: the queue is gone
    assert private_redis.client().llen("celery") == 0
    registry.worker()

    settings.OUTBOX_REQUEUE_AFTER_SECONDS = 0  # production waits 10 minutes
    assert outbox.requeue_stale() == 1
    assert registry.relay() == 1
    wait_until(lambda: done(message), seconds=90, what="the export")
    assert message.attempts == 2  # lost once, published again once

    record = ExportRecord.objects.get()
    assert (record.user, record.channel, record.kind) == (epi, "page", "table")
    assert outbox.requeue_stale() == 0
    assert registry.relay() == 0
