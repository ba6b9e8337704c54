"""Celery task of the import: takes a batch id, reloads it, runs the pipeline."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from fh_registry import outbox
from fh_registry.models import OutboxMessage
from screening.imports.pipeline import TASK_NAME, run_import
from screening.models import ImportBatch, ImportStatus


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


@shared_task(acks_late=True)
def requeue_stale_imports() -> int:
    """A batch still pending IMPORT_REQUEUE_AFTER_SECONDS after its message was
    published never started (a broker restart lost the message): publish it
    again. `run_import_batch` is idempotent, so this delays work, never doubles
    it."""
    cutoff = timezone.now() - timedelta(seconds=settings.IMPORT_REQUEUE_AFTER_SECONDS)
    pending = ImportBatch.objects.filter(status=ImportStatus.PENDING).values_list(
        "pk", flat=True
    )
    return outbox.republish(
        OutboxMessage.objects.filter(
            task_name=TASK_NAME,
            published_at__lt=cutoff,
            kwargs__batch_id__in=list(pending),
        )
    )
