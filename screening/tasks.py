"""Screening Celery tasks: take ids, reload, call a service."""

from __future__ import annotations

from celery import shared_task

from fh_registry.models import User
from screening.reassessment import reassess


@shared_task(acks_late=True)
def reassess_all(*, ruleset_id: str, user_id: int, dry_run: bool = False) -> dict:
    """Run a reassessment in the background; returns the what-if table."""
    what_if = reassess(
        ruleset_id=ruleset_id,
        acting_user=User.objects.get(pk=user_id),
        dry_run=dry_run,
    )
    return {
        "ruleset_id": what_if.ruleset_id,
        "ruleset_version": what_if.ruleset_version,
        "children": what_if.children,
        "changed": what_if.changed,
        "written": what_if.written,
        "table": what_if.table(),
    }
