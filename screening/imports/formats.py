"""Reading lab files row by row: CSV (`,` or `;`, UTF-8, optional BOM) and XLSX.

Files are streamed, never loaded whole. A file that cannot be read at all (not
UTF-8, not a workbook, header columns missing or unknown) raises `FileRefused`;
everything about single rows is left to rows.py.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext as _

REQUIRED_COLUMNS = (
    "practice_patient_id",
    "sex",
    "birth_date",
    "sample_date",
    "sample_type",
    "fasting",
    "unit",
    "total_cholesterol",
    "hdl_cholesterol",
    "ldl_cholesterol",
    "ldl_method",
    "triglycerides",
)
OPTIONAL_COLUMNS = ("lab_sample_id", "lipoprotein_a")
#: Every row is handed on with its values in this order ("" where a column lacks).
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
_XLSX_MAGIC = b"PK\x03\x04"
#: PostgreSQL stores no NUL in text: a NUL byte in a cell travels as this
#: character, and rows.py reports the row (code nul_byte) instead of the batch
#: failing on it.
NUL_STAND_IN = "\ufffd"

# (line, values in COLUMNS order or None when the cell count is wrong, cells found)
RawRow = tuple[int, tuple[str, ...] | None, int]


class FileRefused(Exception):  # noqa: N818 - a refusal, not a programming error
    """The whole file is refused; `message` says why in words for the uploader."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass
class Table:
    """An open lab file: its header and a one-pass iterator over its data rows."""

    header: tuple[str, ...]
    rows: Iterator[RawRow]
    size_bytes: int
    _position: Any = field(repr=False, default=None)
    _close: Any = field(repr=False, default=None)

    def bytes_read(self) -> int:
        """How far the reader has come, for the progress bar (approximate)."""
        return int(self._position()) if self._position else 0

    def close(self) -> None:
        if self._close:
            self._close()

    def __enter__(self) -> Table:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def column_order(header: list[str]) -> tuple[tuple[str, ...], list[int]]:
    """Normalised header and, per COLUMNS entry, its index in the row (-1 absent)."""
    names = tuple(name.strip().lstrip("\ufeff").strip().lower() for name in header)
    while names and not names[-1]:  # trailing empty cells of a spreadsheet
        names = names[:-1]
    missing = [name for name in REQUIRED_COLUMNS if name not in names]
    unknown = [name for name in names if name not in COLUMNS]
    doubled = sorted({name for name in names if names.count(name) > 1})
    listed = {
        "missing": missing,
        "expected": REQUIRED_COLUMNS,
        "unknown": unknown,
        "allowed": COLUMNS,
        "names": doubled,
    }
    words = {key: ", ".join(columns) for key, columns in listed.items()}
    # The first fault found refuses the file; each message names what it needs.
    for at_fault, code, message in (
        (
            missing,
            "missing_columns",
            _("Missing column(s): %(missing)s. The header must name: %(expected)s."),
        ),
        (
            unknown,
            "unknown_columns",
            _("Unknown column(s): %(unknown)s. Allowed columns: %(allowed)s."),
        ),
        (doubled, "duplicate_columns", _("Column(s) named twice: %(names)s.")),
    ):
        if at_fault:
            raise FileRefused(message % words, code)
    return names, [names.index(name) if name in names else -1 for name in COLUMNS]


def _mapped(cells: list[str], width: int, index: list[int], line: int) -> RawRow | None:
    """The row in COLUMNS order; None for a blank line (ignored)."""
    while len(cells) > width and not cells[-1].strip():
        cells = cells[:-1]
    if not any(cell.strip() for cell in cells):
        return None
    if len(cells) != width:
        return (line, None, len(cells))
    return (
        line,
        tuple(
            "" if at < 0 else cells[at].strip().replace("\x00", NUL_STAND_IN)
            for at in index
        ),
        width,
    )


def open_table(path: Path) -> Table:
    """Open `path` as CSV or XLSX (by content, not by name)."""
    with path.open("rb") as probe:
        start = probe.read(4)
    if not start:
        raise FileRefused(_("The file is empty."), "empty")
    if start == _XLSX_MAGIC:
        return _open_xlsx(path)
    return _open_csv(path)


def _decode_error() -> FileRefused:
    # The decoder reads ahead in blocks, so no reliable line number can be named.
    return FileRefused(
        _(
            "The file is not UTF-8 text (for example Latin-1 or Windows-1252). "
            "Save it as CSV UTF-8 or XLSX."
        ),
        "encoding",
    )


def _open_csv(path: Path) -> Table:
    binary = path.open("rb")
    text = io.TextIOWrapper(binary, encoding="utf-8-sig", errors="strict", newline="")
    try:
        first = text.readline()
    except UnicodeDecodeError as error:
        binary.close()
        raise _decode_error() from error
    delimiter = ";" if first.count(";") > first.count(",") else ","
    header = next(csv.reader([first], delimiter=delimiter), [])
    try:
        names, index = column_order(header)
    except FileRefused:
        binary.close()
        raise
    reader = csv.reader(text, delimiter=delimiter)
    return Table(
        header=names,
        rows=_csv_rows(reader, binary, text, len(header), index),
        size_bytes=path.stat().st_size,
        _position=binary.tell,
        _close=binary.close,
    )


def _csv_rows(
    reader: Any, binary: IO[bytes], text: IO[str], width: int, index: list[int]
) -> Iterator[RawRow]:
    try:
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except UnicodeDecodeError as error:
                raise _decode_error() from error
            except csv.Error as error:
                raise FileRefused(
                    _("The file is not readable as CSV near line %(line)d: %(error)s")
                    % {"line": reader.line_num + 1, "error": error},
                    "malformed_csv",
                ) from error
            row = _mapped(cells, width, index, reader.line_num + 1)
            if row is not None:
                yield row
    finally:
        text.close()
        binary.close()


def _cell_text(value: Any) -> str:
    """A spreadsheet cell as the text a CSV would carry."""
    if value is None:
        text = ""
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, datetime):
        text = value.date().isoformat()
    elif isinstance(value, date):
        text = value.isoformat()
    elif isinstance(value, float):
        # repr is the shortest text that reads back as the same float: 2.4, not
        # 2.39999…; integral values lose the ".0".
        text = (
            str(int(value)) if value.is_integer() else format(Decimal(repr(value)), "f")
        )
    else:
        text = str(value).strip()
    return text


def _open_xlsx(path: Path) -> Table:
    from openpyxl import load_workbook  # noqa: PLC0415 - only needed for workbooks

    _refuse_xlsx_bombs(path)
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:
        raise FileRefused(
            _("The file looks like a workbook but cannot be read as XLSX."),
            "unreadable",
        ) from error
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header: list[str] = []
    line = 0
    for values in rows:
        line += 1
        header = [_cell_text(value) for value in values]
        if any(header):
            break
    try:
        names, index = column_order(header)
    except FileRefused:
        workbook.close()
        raise
    counter = {"line": line}
    return Table(
        header=names,
        rows=_xlsx_rows(workbook, rows, len(names), index, counter),
        size_bytes=path.stat().st_size,
        _position=lambda: 0,
        _close=workbook.close,
    )


def _refuse_xlsx_bombs(path: Path) -> None:
    """A workbook is a zip: a small file can unpack to gigabytes (one 300 MB
    cell in 300 KB). Its members' unpacked sizes are read from the zip's
    directory before anything is parsed."""
    import zipfile  # noqa: PLC0415

    limit = settings.IMPORT_MAX_XLSX_UNPACKED_BYTES
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as error:
        raise FileRefused(
            _("The file looks like a workbook but cannot be read as XLSX."),
            "unreadable",
        ) from error
    if unpacked > limit:
        raise FileRefused(
            _(
                "The workbook unpacks to more than %(mb)d MB, far more than lab "
                "results need. Save it as CSV, or split it."
            )
            % {"mb": limit // 1_000_000},
            "too_large_unpacked",
        )


def _xlsx_rows(
    workbook: Any, rows: Iterator[Any], width: int, index: list[int], at: dict
) -> Iterator[RawRow]:
    try:
        for values in rows:
            at["line"] += 1
            cells = [_cell_text(value) for value in values]
            cells += [""] * (width - len(cells))
            row = _mapped(cells, width, index, at["line"])
            if row is not None:
                yield row
    finally:
        workbook.close()
