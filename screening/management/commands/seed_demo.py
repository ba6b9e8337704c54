"""`manage.py seed_demo [--children N]`: demo practices, users and children."""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from screening.demo import seed_children


class Command(BaseCommand):
    help = "Create the demo practices, users (one per role) and children. Idempotent."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--children",
            type=int,
            default=300,
            help="How many demo children in all (split over DEMO-A and DEMO-B).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEMO_DATA_ALLOWED:
            raise CommandError("Demo data is refused in the production profile.")
        if options["children"] < 0:
            raise CommandError("--children must not be negative.")
        password = os.environ.get("DEMO_PASSWORD", "demo")
        summary = seed_children(children=options["children"], password=password)
        self.stdout.write(
            f"Demo data ready: {summary.children_created} children created, "
            f"{summary.children_total} in DEMO-A and DEMO-B."
        )
