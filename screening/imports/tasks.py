"""Celery task of the import: takes a batch id, reloads it, runs the pipeline."""

from __future__ import annotations

from celery import shared_task

from screening.imports.pipeline import run_import
from screening.models import ImportBatch


@shared_task(acks_late=True)
def run_import_batch(batch_id: int) -> dict:
    """Import a batch; idempotent: a batch no longer pending is not run again.

    With acks_late a worker that dies mid-import leaves the message to be
    redelivered; its transaction was rolled back, so the rerun starts clean.
    """
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
