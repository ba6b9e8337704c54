"""`manage.py reassess --ruleset ID [--dry-run]`: what-if of another rule set."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fh_registry.models import User, get_system_user
from screening import rules
from screening.reassessment import WhatIf, reassess


class Command(BaseCommand):
    help = (
        "Evaluate every child's stored results with another rule set or version, "
        "write new assessments (old ones stay) and print how outcomes would change."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--ruleset", required=True, help="Rule set id, e.g. eas2026"
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Only print the table; write nothing.",
        )
        parser.add_argument(
            "--user", help="Username to record as the acting user (default: system)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            rules.get_ruleset(options["ruleset"])
        except rules.UnknownRuleSet as error:
            raise CommandError(str(error)) from error
        user: User | None = get_system_user()
        if options["user"]:
            user = User.objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"No user {options['user']!r}.")
        what_if = reassess(
            ruleset_id=options["ruleset"], acting_user=user, dry_run=options["dry_run"]
        )
        self.write_table(what_if, dry_run=options["dry_run"])

    def write_table(self, what_if: WhatIf, *, dry_run: bool) -> None:
        self.stdout.write(
            f"Rule set {what_if.ruleset_id} {what_if.ruleset_version}: "
            f"{what_if.children} children evaluated, {what_if.changed} change outcome."
        )
        self.stdout.write(f"{'from':<18}{'to':<18}{'children':>9}")
        for old, new, count in what_if.table():
            self.stdout.write(f"{old:<18}{new:<18}{count:>9}")
        if dry_run:
            self.stdout.write("Dry run: no assessments written.")
        else:
            self.stdout.write(f"{what_if.written} new assessments written.")
