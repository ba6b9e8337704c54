"""Print who read a person's data: one line per entry, oldest first
(time, user, what, where from, path)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from screening.models import Person, ReadAccess


class Command(BaseCommand):
    help = "Print a person's read-access log (time, user, what), one entry per line."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("pseudonym")

    def handle(self, *args: Any, **options: Any) -> None:
        person = Person.objects.filter(pseudonym=options["pseudonym"]).first()
        if person is None:
            raise CommandError(
                f"No person with the pseudonym {options['pseudonym']!r}."
            )
        entries = (
            ReadAccess.objects.filter(person=person)
            .select_related("user")
            .order_by("at", "pk")
        )
        for entry in entries.iterator(chunk_size=1000):
            self.stdout.write(
                "\t".join(
                    (
                        entry.at.isoformat(timespec="seconds"),
                        entry.user.get_username(),
                        entry.kind,
                        entry.address or "-",
                        entry.path,
                    )
                )
            )
