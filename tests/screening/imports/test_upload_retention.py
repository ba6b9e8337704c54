"""Stored uploads are deleted IMPORT_KEEP_FILES_DAYS after their batch finished.

A lab file holds patient numbers, dates of birth and values outside the
database; the batch (name, hash, counts, row notes) and what it imported stay.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from fh_registry.models import get_system_user
from screening.imports.tasks import forget_old_uploads
from screening.models import ImportBatch, ImportStatus, LabResult
from tests.screening.imports.conftest import (
    DATA,
    import_file,
    mixed_rows,
    register,
    write_file,
)

pytestmark = pytest.mark.django_db


def _finished_days_ago(batch: ImportBatch, days: int) -> None:
    ImportBatch.objects.filter(pk=batch.pk).update(
        finished_at=timezone.now() - timedelta(days=days)
    )


@pytest.fixture
def keep_30_days(settings: Any) -> None:
    settings.IMPORT_KEEP_FILES_DAYS = 30


def test_an_old_finished_batch_loses_its_stored_upload_and_keeps_the_rest(
    ped_a: Any, keep_30_days: None
) -> None:
    batch = import_file(ped_a, DATA / "import_sample.csv")
    assert batch.status == ImportStatus.COMPLETED
    stored = Path(batch.file_path)
    assert stored.exists()
    imported = LabResult.objects.filter(import_batch=batch).count()
    _finished_days_ago(batch, 31)

    assert forget_old_uploads() == 1

    batch.refresh_from_db()
    assert not stored.exists()
    assert batch.file_path == ""
    assert (batch.file_name, batch.status) == ("import_sample.csv", "completed")
    assert LabResult.objects.filter(import_batch=batch).count() == imported
    change = batch.history.latest()
    assert change.history_user == get_system_user()
    assert change.history_change_reason == (
        "stored upload deleted 30 days after the batch finished"
    )
    # The same file is still recognised by its hash: not imported again.
    assert register(ped_a, DATA / "import_sample.csv").duplicate


def test_recent_running_and_pending_batches_keep_their_files(
    ped_a: Any, keep_30_days: None, tmp_path: Path
) -> None:
    recent = import_file(ped_a, DATA / "import_sample.csv")
    _finished_days_ago(recent, 29)
    pending = register(ped_a, write_file(tmp_path / "p.csv", mixed_rows(9))).batch
    running = register(
        ped_a, write_file(tmp_path / "r.csv", mixed_rows(9, prefix="R"))
    ).batch
    ImportBatch.objects.filter(pk=running.pk).update(status=ImportStatus.RUNNING)
    ImportBatch.objects.filter(pk__in=[pending.pk, running.pk]).update(
        created_at=timezone.now() - timedelta(days=90)
    )

    assert forget_old_uploads() == 0

    for batch in (recent, pending, running):
        batch.refresh_from_db()
        assert Path(batch.file_path).exists()


def test_failed_and_refused_batches_count_as_finished(
    ped_a: Any, keep_30_days: None, tmp_path: Path
) -> None:
    batches = [
        register(
            ped_a, write_file(tmp_path / f"{status}.csv", mixed_rows(6, prefix=status))
        ).batch
        for status in (ImportStatus.FAILED, ImportStatus.REFUSED)
    ]
    for batch, status in zip(
        batches, (ImportStatus.FAILED, ImportStatus.REFUSED), strict=True
    ):
        ImportBatch.objects.filter(pk=batch.pk).update(
            status=status, finished_at=timezone.now() - timedelta(days=40)
        )

    assert forget_old_uploads() == 2
    assert forget_old_uploads() == 0  # run again: nothing left to delete

    for batch in batches:
        batch.refresh_from_db()
        assert batch.file_path == ""
        assert not list((tmp_path / "media" / "imports").rglob(f"*{batch.file_name}"))


def test_a_file_already_gone_is_cleared_all_the_same(
    ped_a: Any, keep_30_days: None
) -> None:
    batch = import_file(ped_a, DATA / "import_sample.csv")
    Path(batch.file_path).unlink()
    _finished_days_ago(batch, 31)

    assert forget_old_uploads() == 1
    batch.refresh_from_db()
    assert batch.file_path == ""


def test_the_beat_schedule_runs_it_daily(settings: Any) -> None:
    from fh_registry.celery import app  # noqa: PLC0415

    name = "screening.imports.tasks.forget_old_uploads"
    assert name in {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert name in app.tasks
