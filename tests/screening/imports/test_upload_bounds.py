"""Uploads are bounded and hostile files harm nothing: a workbook that unpacks
to too much is refused before it is parsed, an upload past the size limit is
refused, a NUL byte is a row error with its line, formulas never reach the row
report live, and a duplicate file is recognised per practice only."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from fh_registry.models import Practice
from screening.imports.pipeline import start_import
from screening.imports.report import report_lines
from screening.models import ImportBatch, ImportRowError
from tests.screening.imports.conftest import DATA, HEADER, import_file, register

pytestmark = pytest.mark.django_db

ROW = "A-{n},F,2016-03-01,2026-01-10,capillary,no,mmol/L,4.3,1.4,2.5,direct,0.9,X{n},"


def test_a_workbook_that_unpacks_too_far_is_refused_before_parsing(
    ped_a: Any, tmp_path: Path, settings: Any
) -> None:
    settings.IMPORT_MAX_XLSX_UNPACKED_BYTES = 1_000_000
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/sharedStrings.xml", "A" * 5_000_000)  # compresses tiny
    assert bomb.stat().st_size < 50_000
    with pytest.raises(ValidationError) as refused:
        register(ped_a, bomb)
    assert refused.value.error_dict["file"][0].code == "too_large_unpacked"
    assert not ImportBatch.objects.exists()


def test_an_upload_past_the_size_limit_is_refused_and_nothing_kept(
    ped_a: Any, settings: Any, media: Path
) -> None:
    settings.IMPORT_MAX_FILE_BYTES = 1000
    chunks = [(HEADER + "\n").encode()] + [b"x" * 400] * 5
    with pytest.raises(ValidationError) as refused:
        start_import(
            acting_user=ped_a,
            practice=Practice.objects.get(code="DEMO-A"),
            file_name="big.csv",
            chunks=chunks,
            enqueue=False,
        )
    assert refused.value.error_dict["file"][0].code == "too_large"
    assert not [p for p in media.rglob("*") if p.is_file()]


def test_a_nul_byte_is_a_row_error_with_its_line(ped_a: Any, tmp_path: Path) -> None:
    source = tmp_path / "nul.csv"
    rows = [
        HEADER,
        ROW.format(n=1),
        ROW.format(n=2).replace("4.3", "4\x00.3"),
        ROW.format(n=3),
    ]
    source.write_bytes(("\n".join(rows) + "\n").encode())
    batch = import_file(ped_a, source)
    assert batch.status == "completed"
    assert (batch.rows_imported, batch.rows_rejected) == (2, 1)
    error = ImportRowError.objects.get(batch=batch)
    assert (error.line, error.column, error.code) == (
        3,
        "total_cholesterol",
        "nul_byte",
    )


def test_formulas_in_a_file_are_neutralised_in_the_row_report(
    ped_a: Any, tmp_path: Path
) -> None:
    source = tmp_path / "formulas.csv"
    rows = [
        HEADER,
        ROW.format(n=1).replace("1.4", '=HYPERLINK("http://x.example")'),
        ROW.format(n=2).replace("4.3", "@SUM(1+1)"),
        ROW.format(n=3).replace("4.3", "-4.3"),
    ]
    source.write_text("\n".join(rows) + "\n", encoding="utf-8")
    batch = import_file(ped_a, source)
    report = "".join(report_lines(batch, "en"))
    assert "'=HYPERLINK" in report
    assert "'@SUM(1+1)" in report
    assert ",=HYPERLINK" not in report
    assert ",@SUM" not in report
    assert ",-4.3," in report  # a negative number stays a number


def test_the_same_file_from_another_practice_is_its_own_import(
    ped_a: Any, ped_b: Any
) -> None:
    mine = register(ped_a, DATA / "import_sample.csv")
    again = register(ped_a, DATA / "import_sample.csv")
    theirs = register(ped_b, DATA / "import_sample.csv", practice_code="DEMO-B")
    assert again.duplicate
    assert again.batch.pk == mine.batch.pk
    assert not theirs.duplicate
    assert theirs.batch.pk != mine.batch.pk
