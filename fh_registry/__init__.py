"""Project package and app: settings, urls, Celery app, practices, roles and access."""

from fh_registry.celery import app as celery_app

__all__ = ["celery_app"]
