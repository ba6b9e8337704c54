"""Reading lab files: CSV with `,` or `;`, BOM, German numbers and dates, XLSX."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook

from screening.imports.formats import COLUMNS, FileRefused, open_table
from screening.imports.rows import ParsedRow, parse_date, parse_number, parse_row
from tests.screening.imports.conftest import DATA

HEADER = ",".join(COLUMNS[:12])


def _rows(path: Path) -> list:
    with open_table(path) as table:
        return list(table.rows)


def test_documented_sample_reads_every_row_in_column_order() -> None:
    rows = _rows(DATA / "import_sample.csv")

    assert [line for line, _values, _found in rows] == [2, 3, 4, 5, 6, 7]
    _line, values, _found = rows[4]
    assert values is not None
    assert dict(zip(COLUMNS, values, strict=True)) == {
        "practice_patient_id": "P-1005",
        "sex": "F",
        "birth_date": "2018-05-05",
        "sample_date": "14.01.2026",
        "sample_type": "capillary",
        "fasting": "ja",
        "unit": "mmol/L",
        "total_cholesterol": "5.9",
        "hdl_cholesterol": "1.2",
        "ldl_cholesterol": "4.1",
        "ldl_method": "calculated",
        "triglycerides": "1.0",
        "lab_sample_id": "L-0005",
        "lipoprotein_a": "",
    }


def test_semicolon_file_with_decimal_comma_and_german_dates() -> None:
    rows = _rows(DATA / "import_german.csv")
    line, values, _found = rows[1]
    assert values is not None
    parsed = parse_row(line, values)

    assert isinstance(parsed, ParsedRow)
    assert parsed.birth_date == date(2015, 7, 19)
    assert parsed.entry.sample_date == date(2026, 1, 12)
    assert parsed.entry.total_cholesterol == Decimal("7.1")
    assert parsed.entry.fasting is True
    assert parsed.entry.lipoprotein_a is None


def test_byte_order_mark_and_blank_lines_are_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    row = "X-1,F,2016-03-01,2026-01-12,capillary,no,mmol/L,4.2,1.4,2.4,direct,0.9"
    path.write_bytes(f"\ufeff{HEADER}\r\n{row}\r\n\r\n,,,,,,,,,,,\r\n".encode())

    rows = _rows(path)

    assert [(line, values[0]) for line, values, _found in rows if values] == [
        (2, "X-1")
    ]


@pytest.mark.parametrize(
    ("content", "code", "message"),
    [
        (b"", "empty", "The file is empty."),
        (
            b"practice_patient_id,sex\nX,F\n",
            "missing_columns",
            "Missing column(s): birth_date, sample_date, sample_type, fasting, unit, "
            "total_cholesterol, hdl_cholesterol, ldl_cholesterol, ldl_method, "
            "triglycerides. The header must name: practice_patient_id, sex, "
            "birth_date, sample_date, sample_type, fasting, unit, total_cholesterol, "
            "hdl_cholesterol, ldl_cholesterol, ldl_method, triglycerides.",
        ),
        (
            f"{HEADER},ldl_cholesterin\n".encode(),
            "unknown_columns",
            "Unknown column(s): ldl_cholesterin. Allowed columns: "
            + ", ".join(COLUMNS)
            + ".",
        ),
        (
            f"{HEADER},sex\n".encode(),
            "duplicate_columns",
            "Column(s) named twice: sex.",
        ),
        (
            f"{HEADER}\nM\xfcller,F\n".encode("latin-1"),
            "encoding",
            "The file is not UTF-8 text (for example Latin-1 or Windows-1252). "
            "Save it as CSV UTF-8 or XLSX.",
        ),
    ],
    ids=["empty", "missing", "unknown", "twice", "latin-1"],
)
def test_unreadable_files_are_refused_whole(
    tmp_path: Path, content: bytes, code: str, message: str
) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(content)

    with pytest.raises(FileRefused) as refused:
        _rows(path)

    assert (refused.value.code, refused.value.message) == (code, message)


def test_xlsx_cells_read_like_csv_text(tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append([*COLUMNS])
    sheet.append(
        [
            "X-7",
            "M",
            datetime(2015, 7, 19),  # noqa: DTZ001 - spreadsheet cells are naive
            date(2026, 1, 12),
            "venous",
            True,
            "mmol/L",
            7.1,
            1.3,
            5.3,
            "direct",
            1.1,
            4711,
            None,
        ]
    )
    path = tmp_path / "results.xlsx"
    workbook.save(path)

    rows = _rows(path)

    assert rows == [
        (
            2,
            (
                "X-7", "M", "2015-07-19", "2026-01-12", "venous", "true", "mmol/L",
                "7.1", "1.3", "5.3", "direct", "1.1", "4711", "",
            ),
            14,
        )
    ]  # fmt: skip


def test_a_file_named_xlsx_that_is_no_workbook_is_read_by_content(
    tmp_path: Path,
) -> None:
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip")

    with pytest.raises(FileRefused) as refused:
        _rows(path)

    assert refused.value.code == "unreadable"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-01-12", date(2026, 1, 12)),
        ("12.01.2026", date(2026, 1, 12)),
        ("1.2.2026", date(2026, 2, 1)),
        ("2026-02-30", None),
        ("12/01/2026", None),
    ],
)
def test_dates_iso_and_german(text: str, expected: date | None) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("4.2", Decimal("4.2")),
        ("4,2", Decimal("4.2")),
        ("130", Decimal("130")),
        ("1.234,5", None),
        ("-1", None),
        ("1e3", None),
    ],
)
def test_numbers_with_point_or_comma(text: str, expected: Decimal | None) -> None:
    assert parse_number(text) == expected
