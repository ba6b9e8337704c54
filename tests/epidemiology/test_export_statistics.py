"""`manage.py export_statistics`: one file per standard table, hidden counts as
empty cells (CSV, XLSX) or nulls (Parquet), an ExportRecord for each file."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
from django.core.management import ManagementUtility, call_command
from django.core.management.base import CommandError

from epidemiology.exports import sha256_of
from epidemiology.models import ExportChannel, ExportRecord
from epidemiology.tables import STANDARD_TABLES
from epidemiology.writers import write_table
from tests.epidemiology.test_tables import children

pytestmark = pytest.mark.django_db
NAMES = [table.name for table in STANDARD_TABLES]
SCREENINGS = "screenings_by_quarter_district_age_sex"


@pytest.fixture
def registry(ped_a: Any) -> None:
    children(ped_a, "DEMO-A", "F", 12)
    children(ped_a, "DEMO-A", "M", 3)


def count_cells(rows: list[dict[str, Any]]) -> list[Any]:
    return [value for row in rows for key, value in row.items() if key == "count"]


def test_csv_export_writes_every_table_and_records_it(
    registry: None, tmp_path: Path
) -> None:
    call_command("export_statistics", "--output", str(tmp_path / "out"))
    files = sorted(path.name for path in (tmp_path / "out").iterdir())
    assert files == sorted(f"{name}.csv" for name in NAMES)
    with (tmp_path / "out" / f"{SCREENINGS}.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    counts = count_cells(rows)
    assert "" in counts  # the 3 boys and their complements
    assert all(value == "" or int(value) == 0 or int(value) >= 10 for value in counts)
    records = ExportRecord.objects.order_by("pk")
    assert [r.name for r in records] == [f"{name}.csv" for name in NAMES]
    first = records[0]
    assert first.channel == ExportChannel.COMMAND
    assert first.user is None
    assert first.actor
    assert first.small_cell_minimum == 10
    assert first.sha256 == sha256_of(tmp_path / "out" / f"{SCREENINGS}.csv")
    assert first.rows == len(rows)
    assert first.rows_suppressed == counts.count("")


def test_parquet_nulls_and_xlsx_empty_cells(registry: None, tmp_path: Path) -> None:
    call_command("export_statistics", "--output", str(tmp_path), "--format", "parquet")
    frame = pd.read_parquet(tmp_path / f"{SCREENINGS}.parquet")
    assert frame["count"].isna().any()
    shown = frame["count"].dropna()
    assert ((shown == 0) | (shown >= 10)).all()
    call_command("export_statistics", "--output", str(tmp_path), "--format", "xlsx")
    sheet = openpyxl.load_workbook(tmp_path / f"{SCREENINGS}.xlsx").worksheets[0]
    header = [cell.value for cell in sheet[1]]
    column = header.index("count")
    values = [row[column] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert None in values
    assert all(
        v is None or (isinstance(v, int) and (v == 0 or v >= 10)) for v in values
    )


def test_a_raised_minimum_hides_more(registry: None, tmp_path: Path) -> None:
    call_command("export_statistics", "--output", str(tmp_path), "--minimum", "13")
    frame = pd.read_csv(tmp_path / f"{SCREENINGS}.csv")
    shown = frame["count"].dropna()
    assert ((shown == 0) | (shown >= 13)).all()
    assert len(shown) < len(frame)  # the 12 girls are hidden now too
    assert ExportRecord.objects.get(name=f"{SCREENINGS}.csv").small_cell_minimum == 13


def test_a_minimum_below_the_registry_s_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CommandError) as refused:
        call_command("export_statistics", "--output", str(tmp_path), "--minimum", "5")
    assert refused.value.returncode == 2
    assert str(refused.value) == (
        "--minimum 5 is below the registry's small-cell minimum (10); "
        "an export may only raise it."
    )
    assert not ExportRecord.objects.exists()


def test_an_output_that_is_a_file_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "taken"
    target.write_text("")
    with pytest.raises(CommandError) as refused:
        call_command("export_statistics", "--output", str(target))
    assert refused.value.returncode == 2


def test_an_unknown_format_exits_with_2(tmp_path: Path, capsys: Any) -> None:
    utility = ManagementUtility(
        ["manage.py", "export_statistics", "--output", str(tmp_path), "--format", "pdf"]
    )
    with pytest.raises(SystemExit) as exited:
        utility.execute()
    assert exited.value.code == 2
    assert "invalid choice: 'pdf'" in capsys.readouterr().err


@pytest.mark.parametrize("text", ["=HYPERLINK(1)", "+1", "-1+2", "@SUM(A1)", "\tx"])
def test_text_cells_that_look_like_formulas_are_neutralised(
    tmp_path: Path, text: str
) -> None:
    frame = pd.DataFrame({"district": [text, "München"], "count": [pd.NA, 12]})
    frame["count"] = frame["count"].astype("Int64")
    path = write_table(frame, tmp_path / "t", "csv")
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows == [["district", "count"], ["'" + text, ""], ["München", "12"]]
    book = openpyxl.load_workbook(write_table(frame, tmp_path / "t", "xlsx"))
    sheet = book.worksheets[0]
    assert [c.value for c in sheet[2]] == ["'" + text, None]
    assert sheet[2][0].data_type == "s"
