"""Celery task of the import: takes a batch id, reloads it, runs the pipeline."""

from __future__ import annotations

from celery import shared_task

from fh_registry import outbox
from fh_registry.models import get_system_user
from screening.imports.pipeline import TASK_NAME, forget_uploads, run_import
from screening.models import ImportBatch


@shared_task(acks_late=True)
def run_import_batch(batch_id: int) -> dict:
    """Import a batch; idempotent: a batch no longer pending is not run again.

    The outbox message is done when the batch's outcome (completed, refused or
    failed) is recorded. A worker that dies mid-import leaves it, and the
    sweep publishes it again; its transaction was rolled back, so the rerun
    starts clean. A second delivery while a worker runs it does nothing.
    """
    summary = outbox.deliver(
        TASK_NAME, {"batch_id": batch_id}, lambda: _import(batch_id)
    )
    return summary or {"batch_id": batch_id, "status": "taken by another worker"}


def _import(batch_id: int) -> dict:
    try:
        batch = run_import(batch_id)
    except ImportBatch.DoesNotExist:  # its registration was rolled back
        return {"batch_id": batch_id, "status": "missing"}
    return {
        "batch_id": batch.pk,
        "status": batch.status,
        "rows_read": batch.rows_read,
        "rows_imported": batch.rows_imported,
        "rows_skipped": batch.rows_skipped,
        "rows_rejected": batch.rows_rejected,
    }


@shared_task
def forget_old_uploads() -> int:
    """Daily (beat): delete the stored uploads of batches finished more than
    IMPORT_KEEP_FILES_DAYS ago (pipeline.forget_uploads)."""
    return forget_uploads(acting_user=get_system_user())
