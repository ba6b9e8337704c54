"""Write every standard statistics table, one file each, named after the table."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.utils import timezone

from epidemiology import tables
from epidemiology.exports import record_export
from epidemiology.frames import FrameCache
from epidemiology.models import ExportChannel
from epidemiology.writers import FORMATS, write_table

BAD_OPTIONS = 2


class Command(BaseCommand):
    help = (
        "Write the standard statistics tables (small cells suppressed) to a "
        "directory, one file per table, and record each export."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", required=True, type=Path, help="Directory.")
        parser.add_argument("--format", choices=FORMATS, default="csv")
        parser.add_argument(
            "--minimum",
            type=int,
            default=None,
            help="Smallest count shown (default: SMALL_CELL_MINIMUM); may only "
            "be raised above the registry's setting.",
        )
        parser.add_argument(
            "--round5", action="store_true", help="Round shown counts to 5."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        minimum = self._minimum(options["minimum"])
        output = self._output(options["output"])
        file_format = options["format"]
        frames = FrameCache(using=connection)
        frames.prefetch(tables.sources(tables.STANDARD_TABLES))
        table_options = tables.Options(
            minimum=minimum, today=timezone.localdate(), round5=options["round5"]
        )
        actor = getpass.getuser()
        for table in tables.STANDARD_TABLES:
            frame = tables.build(table, frames, table_options)
            path = write_table(frame, output / table.name, file_format)
            record_export(
                user=None,
                actor=actor,
                channel=ExportChannel.COMMAND,
                name=path.name,
                file_format=file_format,
                content=path,
                minimum=minimum,
                rows=len(frame),
                rows_suppressed=tables.hidden_cells(frame),
                parameters={"table": table.name, "round5": options["round5"]},
            )
            self.stdout.write(f"{path}\t{len(frame)} rows")

    def _minimum(self, given: int | None) -> int:
        floor = settings.SMALL_CELL_MINIMUM
        if given is None:
            return floor
        if given < floor:
            raise CommandError(
                f"--minimum {given} is below the registry's small-cell minimum "
                f"({floor}); an export may only raise it.",
                returncode=BAD_OPTIONS,
            )
        return given

    def _output(self, output: Path) -> Path:
        if output.exists() and not output.is_dir():
            raise CommandError(
                f"--output {output} is a file, not a directory.",
                returncode=BAD_OPTIONS,
            )
        try:
            output.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise CommandError(
                f"--output {output} cannot be created: {error.strerror}.",
                returncode=BAD_OPTIONS,
            ) from error
        return output
