"""`manage.py fhir_export --output DIR [--since DATE] [--validate]`: the bulk
export for a data integration centre, one NDJSON file per resource type."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from epidemiology.models import ExportChannel
from interop import bulk
from screening.models import Person

BAD_OPTIONS = 2  # the exit status of a refused option, as argparse's own


def _since(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(
            f"--since {text!r} is not a date; use YYYY-MM-DD.", returncode=BAD_OPTIONS
        ) from None


class Command(BaseCommand):
    help = (
        "Write every person's record (all practices; withdrawn consent left out) "
        "as FHIR R4 NDJSON, one file per resource type, pseudonymised with study "
        "ids drawn afresh for this export; recorded as an ExportRecord."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output",
            required=True,
            type=Path,
            help="A new or empty folder for the NDJSON files.",
        )
        parser.add_argument(
            "--since",
            type=_since,
            default=None,
            help="Only persons with a result, genetic result, family finding or "
            "registration on or after this day (YYYY-MM-DD).",
        )
        parser.add_argument(
            "--validate",
            action="store_true",
            help="Check every resource with fhir.resources while writing (slower).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        output: Path = options["output"]
        if output.exists() and (not output.is_dir() or any(output.iterdir())):
            raise CommandError(
                f"--output {output} must be a new or empty folder.",
                returncode=BAD_OPTIONS,
            )
        export = bulk.export_bulk(
            Person.objects.all(),
            output,
            since=options["since"],
            validate=options["validate"],
        )
        record = bulk.record_bulk_export(
            export,
            acting_user=None,
            channel=ExportChannel.COMMAND,
            since=options["since"],
        )
        for kind, count in export.counts.items():
            self.stdout.write(f"{export.file_name(kind)}: {count} resources")
        self.stdout.write(
            f"Wrote {export.resources} resources of {export.persons} persons to "
            f"{output} (export record {record.pk}, SHA-256 {record.sha256})."
        )
