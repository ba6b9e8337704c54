"""The row-error report of a batch as CSV: line, column, value, code, reason.

Rejected rows, skipped duplicates and rows imported with a warning are all
listed (the `kind` column says which), so no row is ever dropped silently.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings

from fh_registry.spreadsheets import neutral
from screening.models import ImportBatch, ImportRowError

REPORT_COLUMNS = ("line", "column", "value", "code", "reason", "kind")


class _Echo:
    """A file-like object whose write returns the line (for streaming responses)."""

    def write(self, value: str) -> str:
        return value


def report_lines(batch: ImportBatch, lang: str = "") -> Iterator[str]:
    """The report as CSV text lines, header first, streamed from the database,
    its reasons in `lang` (default: the language of the upload)."""
    writer = csv.writer(_Echo(), lineterminator="\n")
    yield writer.writerow(REPORT_COLUMNS)
    reason = "reason_de" if (lang or batch.language).startswith("de") else "reason_en"
    columns = [reason if name == "reason" else name for name in REPORT_COLUMNS]
    rows = ImportRowError.objects.filter(batch=batch).order_by("line", "pk")
    for error in rows.values_list(*columns).iterator(chunk_size=2000):
        # The value column repeats what a file held: never a live formula.
        yield writer.writerow([neutral(cell) for cell in error])


def report_path(batch: ImportBatch, *, dry_run: bool = False) -> Path:
    prefix = "dry-run-" if dry_run else ""
    name = f"{prefix}batch-{batch.pk}-errors.csv"
    return Path(settings.MEDIA_ROOT) / "imports" / "reports" / name


def write_report(batch: ImportBatch, *, dry_run: bool = False) -> Path:
    """Write the report file for `batch` and return its path."""
    path = report_path(batch, dry_run=dry_run)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as out:
        out.writelines(report_lines(batch))
    return path
