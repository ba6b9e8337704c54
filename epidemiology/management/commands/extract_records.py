"""`manage.py extract_records --output FILE.parquet [--k N] [--ruleset ID]
[--key-file PATH]`: the record-level extract of an approved study."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from epidemiology.extract import COLUMNS, export_extract
from epidemiology.models import ExportChannel
from screening.rules import PAEDIATRIC_RULESET_IDS

BAD_OPTIONS = 2  # the exit status of a refused option, as argparse's own


def _refuse(message: str) -> CommandError:
    return CommandError(message, returncode=BAD_OPTIONS)


class Command(BaseCommand):
    help = (
        "Write a k-anonymous record-level extract (Parquet): one row per screened "
        f"child with {', '.join(COLUMNS)}. Study ids are keyed by a fresh random "
        "key per extract, so two extracts never link; the key is discarded unless "
        "--key-file names where to keep it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output", required=True, type=Path, help="The .parquet file to write."
        )
        parser.add_argument(
            "--k",
            type=int,
            default=None,
            help="Smallest class size (default: SMALL_CELL_MINIMUM, "
            f"now {settings.SMALL_CELL_MINIMUM}).",
        )
        parser.add_argument(
            "--ruleset",
            default=None,
            help="Paediatric rule set whose assessments are read (default: the "
            "active one). One of: " + ", ".join(PAEDIATRIC_RULESET_IDS),
        )
        parser.add_argument(
            "--key-file",
            type=Path,
            default=None,
            help="Write the study-id key here (mode 0600, never overwritten), for "
            "re-linking within this one extract where the law allows.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        output, key_file = self._paths(options["output"], options["key_file"])
        k = settings.SMALL_CELL_MINIMUM if options["k"] is None else options["k"]
        if k < 2:
            raise _refuse(f"--k must be at least 2, not {k}.")
        ruleset_id = options["ruleset"] or settings.ACTIVE_PAEDIATRIC_RULESET
        if ruleset_id not in PAEDIATRIC_RULESET_IDS:
            known = ", ".join(PAEDIATRIC_RULESET_IDS)
            raise _refuse(
                f"--ruleset {ruleset_id!r} is not a paediatric rule set; use one "
                f"of: {known}."
            )
        done = export_extract(
            output=output,
            k=k,
            ruleset_id=ruleset_id,
            channel=ExportChannel.COMMAND,
            key_file=key_file,
        )
        self.stdout.write(
            f"Released {done.released} rows, suppressed {done.suppressed} "
            f"(k = {k}, rule set {ruleset_id}); "
            f"{done.generalised} released rows were generalised further."
        )
        self.stdout.write(f"Wrote {output} (SHA-256 {done.record.sha256}).")
        if key_file is not None:
            self.stdout.write(f"Study-id key written to {key_file} (mode 0600).")

    def _paths(self, output: Path, key_file: Path | None) -> tuple[Path, Path | None]:
        if output.suffix.lower() != ".parquet":
            raise _refuse(f"--output must name a .parquet file, not {output}.")
        if not output.parent.is_dir():
            raise _refuse(f"--output: no such directory {output.parent}.")
        if key_file is None:
            return output, None
        if key_file.exists():
            raise _refuse(f"--key-file {key_file} exists; a key is never overwritten.")
        if not key_file.parent.is_dir():
            raise _refuse(f"--key-file: no such directory {key_file.parent}.")
        if key_file.resolve() == output.resolve():
            raise _refuse("--key-file and --output must be different files.")
        return output, key_file
