"""Run the follow-up side's daily jobs now (escalation, loss to follow-up,
yearly reviews, reminders). Celery beat runs them in production; this serves
the embedded default (bin/run) and operators. Idempotent: safe to run again."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from followup import jobs


class Command(BaseCommand):
    help = "Run the follow-up jobs once (each is idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        escalated = jobs.escalate_overdue()
        lost = jobs.sweep_lost()
        reviews = jobs.schedule_yearly_reviews()
        reminded = jobs.send_reminders()
        self.stdout.write(
            f"escalated {escalated} overdue tasks; {lost} episodes lost to "
            f"follow-up; {reviews} yearly reviews scheduled; {reminded} reminders sent"
        )
