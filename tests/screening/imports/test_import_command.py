"""`manage.py import_results`: counts, report path, exit status, dry run."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from fh_registry.models import SYSTEM_USERNAME
from screening.models import ImportBatch, LabResult, Person
from tests.screening.imports.conftest import DATA

pytestmark = pytest.mark.django_db


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("import_results", *args, stdout=out)
    return out.getvalue()


def test_import_prints_counts_and_the_report_path(cast: Any, media: Path) -> None:
    output = _run(str(DATA / "import_bad_rows.csv"), "--practice", "DEMO-A")

    batch = ImportBatch.objects.get()
    report = media / "imports" / "reports" / f"batch-{batch.pk}-errors.csv"
    assert output == (
        f"Batch {batch.pk} completed: read 19, imported 2, skipped 1, rejected 16.\n"
        f"Error report: {report}\n"
    )
    assert report.read_text().splitlines()[1] == (
        "3,practice_patient_id,,missing_value,A value is required.,rejected"
    )
    assert batch.uploaded_by.username == SYSTEM_USERNAME
    assert LabResult.objects.get(lab_sample_id="S-1").entered_by == batch.uploaded_by


def test_the_importing_user_can_be_named(cast: Any) -> None:
    _run(str(DATA / "import_sample.csv"), "--practice", "DEMO-A", "--user", "ped_a")

    assert set(LabResult.objects.values_list("entered_by__username", flat=True)) == {
        "ped_a"
    }


def test_a_user_of_another_practice_may_not_import(cast: Any) -> None:
    with pytest.raises(CommandError, match="ped_b may not import into DEMO-A"):
        _run(str(DATA / "import_sample.csv"), "--practice", "DEMO-A", "--user", "ped_b")


def test_dry_run_writes_nothing(cast: Any) -> None:
    output = _run(str(DATA / "import_sample.csv"), "--practice", "DEMO-A", "--dry-run")

    assert output.startswith("Dry run: nothing was written.\nBatch ")
    assert "completed: read 6, imported 6, skipped 0, rejected 0." in output
    assert not ImportBatch.objects.exists()
    assert not Person.objects.filter(practice_patient_number="P-1001").exists()


def test_a_second_run_of_the_same_file_imports_nothing(cast: Any) -> None:
    _run(str(DATA / "import_sample.csv"), "--practice", "DEMO-A")

    output = _run(str(DATA / "import_sample.csv"), "--practice", "DEMO-A")

    batch = ImportBatch.objects.get()
    assert output.startswith(
        f"This file was already imported as batch {batch.pk} (completed); "
        "nothing imported again.\n"
    )
    assert LabResult.objects.count() == 6


def test_a_refused_file_exits_non_zero(cast: Any, tmp_path: Path) -> None:
    source = tmp_path / "wrong.csv"
    source.write_text("name,cholesterol\nAnna,5\n")

    with pytest.raises(CommandError, match=r"^File refused: Missing column\(s\): "):
        _run(str(source), "--practice", "DEMO-A")
    assert not ImportBatch.objects.exists()
