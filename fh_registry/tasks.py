"""Registry-wide Celery tasks: the outbox's relay and sweep (beat jobs)."""

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
