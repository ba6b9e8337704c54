"""Registry-wide Celery tasks: the outbox's relay, sweep and pruning (beat jobs)."""

from celery import shared_task

from fh_registry import outbox


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
