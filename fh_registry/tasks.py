"""Registry-wide Celery tasks (beat jobs): the outbox's relay, sweep and pruning,
and the removal of finished export jobs' files."""

from celery import shared_task
from django.conf import settings

from fh_registry import job_files, outbox


@shared_task(acks_late=True)
def relay_outbox() -> int:
    """Publish outbox rows left pending (broker was down, or a web process died)."""
    return outbox.relay_pending()


@shared_task(acks_late=True)
def requeue_stale_outbox() -> int:
    """Publish again what a broker restart or a killed worker lost."""
    return outbox.requeue_stale()


@shared_task(acks_late=True)
def prune_outbox() -> int:
    """Delete the outbox rows done more than OUTBOX_KEEP_DONE_DAYS ago."""
    return outbox.prune_done()


@shared_task(acks_late=True)
def forget_finished_jobs() -> int:
    """Remove the files of statistics and FHIR bulk exports finished more than
    EXPORT_KEEP_DAYS ago (their ExportRecords stay)."""
    return sum(
        job_files.forget_finished(kind, keep_days=settings.EXPORT_KEEP_DAYS)
        for kind in job_files.KINDS
    )
