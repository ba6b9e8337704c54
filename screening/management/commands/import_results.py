"""`manage.py import_results FILE --practice CODE [--dry-run] [--user NAME]`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from fh_registry.models import Practice, User, get_system_user
from screening.imports import report
from screening.imports.pipeline import run_import, start_import
from screening.management.importing import importing_user, practice_by_code
from screening.models import ImportBatch, ImportStatus

READ_CHUNK = 1 << 20


class _DryRun(Exception):  # noqa: N818 - control flow: roll the dry run back
    pass


class Command(BaseCommand):
    help = (
        "Import a lab file (CSV or XLSX, see docs/import_format.md) into a practice. "
        "Rejected rows go to the error report; the exit status is non-zero only "
        "when the file is refused or the import fails."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="CSV or XLSX lab file")
        parser.add_argument("--practice", required=True, help="Practice code")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check and assess every row, print the counts, write nothing.",
        )
        parser.add_argument(
            "--user",
            help="Username recorded as importer (default: the registry-system user).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        practice = practice_by_code(options["practice"])
        user = (
            importing_user(options["user"], practice)
            if options["user"]
            else get_system_user()
        )
        if options["dry_run"]:
            self._dry_run(path, practice, user)
            return
        batch, _duplicate = self._start(path, practice, user, enqueue=False)
        if batch.status == ImportStatus.PENDING:
            batch = run_import(batch.pk)
        self._finish(batch, report.write_report(batch))

    def _start(
        self, path: Path, practice: Practice, user: User, *, enqueue: bool
    ) -> tuple[ImportBatch, bool]:
        try:
            with path.open("rb") as source:
                started = start_import(
                    acting_user=user,
                    practice=practice,
                    file_name=path.name,
                    chunks=iter(lambda: source.read(READ_CHUNK), b""),
                    enqueue=enqueue,
                )
        except ValidationError as error:
            raise CommandError(f"File refused: {' '.join(error.messages)}") from error
        if started.duplicate:
            self.stdout.write(
                f"This file was already imported as batch {started.batch.pk} "
                f"({started.batch.status}); nothing imported again."
            )
        return started.batch, started.duplicate

    def _dry_run(self, path: Path, practice: Practice, user: User) -> None:
        outcome: dict[str, Any] = {}
        try:
            with transaction.atomic():
                batch, duplicate = self._start(path, practice, user, enqueue=False)
                outcome["stored"] = None if duplicate else batch.file_path
                if batch.status == ImportStatus.PENDING:
                    batch = run_import(batch.pk)
                    if batch.status == ImportStatus.COMPLETED:
                        outcome["report"] = report.write_report(batch, dry_run=True)
                outcome["batch"] = batch
                raise _DryRun
        except _DryRun:
            pass
        batch = outcome["batch"]
        if outcome["stored"]:  # the stored copy belongs to no batch after rollback
            Path(outcome["stored"]).unlink(missing_ok=True)
        self.stdout.write("Dry run: nothing was written.")
        self._finish(batch, outcome.get("report"))

    def _finish(self, batch: ImportBatch, report_file: Path | None) -> None:
        if batch.status in (ImportStatus.REFUSED, ImportStatus.FAILED):
            raise CommandError(f"Batch {batch.pk} {batch.status}: {batch.message}")
        self.stdout.write(
            f"Batch {batch.pk} {batch.status}: read {batch.rows_read}, "
            f"imported {batch.rows_imported}, skipped {batch.rows_skipped}, "
            f"rejected {batch.rows_rejected}."
        )
        if report_file is not None:
            self.stdout.write(f"Error report: {report_file}")
