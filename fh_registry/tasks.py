"""Registry-wide Celery tasks."""

from celery import shared_task

from fh_registry.outbox import relay_pending


@shared_task(acks_late=True)
def relay_outbox() -> int:
    """Publish outbox rows left pending (broker was down, or a web process died)."""
    return relay_pending()
