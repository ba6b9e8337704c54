"""The fast path keeps every key the database checks: a child removed while its
file is read fails the batch whole; a worker's error does too."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.db import connection

from fh_registry.models import Practice
from screening.imports import children
from screening.imports.pipeline import run_import
from screening.models import ImportStatus, LabResult, Person
from tests.screening.imports.conftest import mixed_rows, register, write_file

pytestmark = pytest.mark.django_db(transaction=True)


def _other_connection() -> psycopg.Connection:
    params = connection.settings_dict
    return psycopg.connect(
        dbname=params["NAME"],
        user=params.get("USER") or None,
        host=params.get("HOST") or None,
        port=params.get("PORT") or None,
        autocommit=True,
    )


def test_a_known_child_removed_while_the_file_is_read_fails_the_batch(
    ped_a: Any, tmp_path: Path, settings: Any
) -> None:
    # Two workers: chunks are loaded (known children read) two chunks ahead of
    # being written (their rows locked). K-1 sorts last, into the third chunk; it
    # is removed after the first chunk is written, between those two moments.
    settings.IMPORT_WORKERS = 2
    known = Person.objects.create(
        sex="F",
        birth_date=date(2016, 3, 1),
        practice=Practice.objects.get(code="DEMO-A"),
        practice_patient_number="K-1",
    )
    rows = [
        "K-1,F,2016-03-01,2026-01-10,venous,no,mmol/L,6.1,1.3,4.4,direct,0.9,S1,",
        "A-1,M,2017-05-01,2026-01-10,venous,no,mmol/L,4.1,1.3,2.4,direct,0.9,S2,",
        "B-1,M,2017-05-01,2026-01-10,venous,no,mmol/L,4.1,1.3,2.4,direct,0.9,S3,",
    ]
    started = register(ped_a, write_file(tmp_path / "lab.csv", rows))

    def remove_known_child(imported: int) -> None:
        with _other_connection() as other:  # not locked yet: the delete goes through
            other.execute("DELETE FROM screening_person WHERE id = %s", (known.pk,))

    batch = run_import(
        started.batch.pk, path="fast", chunk_rows=1, after_chunk=remove_known_child
    )

    assert batch.status == ImportStatus.FAILED
    assert batch.message.startswith("The import failed and was rolled back")
    assert not LabResult.objects.filter(import_batch=batch).exists()
    assert not Person.objects.filter(practice_patient_number="A-1").exists()


def test_an_error_in_a_worker_process_fails_the_batch_with_nothing_written(
    ped_a: Any, tmp_path: Path, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.IMPORT_WORKERS = 2
    rows = mixed_rows(120, prefix="X")
    started = register(ped_a, write_file(tmp_path / "lab.csv", rows))
    decide = children.decide_chunk

    def fails_on_a_later_chunk(groups: Any, **kwargs: Any) -> Any:
        if any(number.endswith("7") for number in groups):  # inherited by the fork
            raise RuntimeError("decision failed in a worker")
        return decide(groups, **kwargs)

    monkeypatch.setattr(children, "decide_chunk", fails_on_a_later_chunk)

    batch = run_import(started.batch.pk, path="fast", chunk_rows=10)

    assert batch.status == ImportStatus.FAILED
    assert "decision failed in a worker" in batch.message
    assert not LabResult.objects.filter(import_batch=batch).exists()
    assert not Person.objects.filter(practice_patient_number__startswith="X").exists()
