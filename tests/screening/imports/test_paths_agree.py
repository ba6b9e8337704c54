"""The fast (COPY + INSERT … SELECT) and the slow (ORM) path write the same."""

from __future__ import annotations

import logging
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from screening import services
from screening.models import Assessment, ImportRowError, LabResult, Person
from tests import personas
from tests.screening.imports.conftest import import_file, mixed_rows, write_file

pytestmark = pytest.mark.django_db

RESULT_FIELDS = (
    "sample_date", "sample_type", "fasting", "entered_unit",
    "total_cholesterol_entered", "hdl_cholesterol_entered",
    "ldl_cholesterol_entered", "triglycerides_entered", "ldl_method",
    "ldl_computed_here", "tc_mmol_l", "hdl_mmol_l", "ldl_mmol_l", "tg_mmol_l",
    "non_hdl_mmol_l", "source", "entered_by",
)  # fmt: skip
ASSESSMENT_FIELDS = (
    "ruleset_id", "ruleset_version", "outcome", "criterion", "alerts",
    "ldl_mmol_l", "ldl_source", "score", "reason_codes", "inputs",
    "created_by",
)  # fmt: skip


def _snapshot(batch: Any) -> dict[str, Any]:
    reason = f"import batch {batch.pk}"
    results = {}
    for result in LabResult.objects.filter(import_batch=batch).select_related("person"):
        key = (
            result.person.practice_patient_number,
            result.sample_date,
            result.lab_sample_id,
        )
        assessment = result.assessments.get()
        results[key] = (
            [
                getattr(result, f"{name}_id", getattr(result, name))
                for name in RESULT_FIELDS
            ],
            [
                getattr(assessment, f"{name}_id", getattr(assessment, name))
                for name in ASSESSMENT_FIELDS
            ],
            result.person.sex,
            result.person.birth_date,
        )
    history = {
        model.__name__: sorted(
            set(
                model.history.filter(history_change_reason=reason).values_list(
                    "history_user", "history_type"
                )
            )
        )
        for model in (Person, LabResult)
    }
    counts = {
        model.__name__: model.history.filter(history_change_reason=reason).count()
        for model in (Person, LabResult)
    }
    counts["Assessment"] = Assessment.objects.filter(import_batch=batch).count()
    errors = list(
        ImportRowError.objects.filter(batch=batch).values_list(
            "line", "column", "value", "code", "reason_en", "reason_de", "kind"
        )
    )
    tally = (batch.rows_read, batch.rows_imported, batch.rows_skipped)
    return {
        "results": results,
        "history": history,
        "counts": counts,
        "errors": errors,
        "tally": (*tally, batch.rows_rejected),
    }


def _known_child(user: Any, practice_code: str) -> None:
    child = personas.register_child(user, practice_code=practice_code, number="M1")
    services.record_lab_result(
        acting_user=user,
        person=child,
        entry=personas.lab_entry(
            sample_date=date(2024, 12, 1),
            total_cholesterol=Decimal("7.2"),
            ldl_cholesterol=Decimal("5.3"),
            lab_sample_id="OLD-1",
        ),
    )


@pytest.mark.parametrize("workers", [2, 0, 3])
def test_fast_and_slow_paths_write_the_same_rows(
    cast: Any,
    tmp_path: Path,
    settings: Any,
    caplog: Any,
    workers: int,
) -> None:
    """Whether the fast path decides in worker processes or in-process."""
    settings.ACTIVE_PAEDIATRIC_RULESET = "eas2015"  # two-occasion criterion
    settings.IMPORT_WORKERS = workers
    coordinator = cast["coord"]
    rows = mixed_rows(240)
    rows += [rows[5], rows[31], rows[120]]  # the same rows again: skipped
    rows.append(  # a result the registry already holds: skipped
        "M1,F,2016-03-01,2024-12-01,capillary,no,mmol/L,7.2,1.4,5.3,direct,0.9,OLD-1,"
    )
    rows.append(  # text COPY escapes: tab, backslash and newline in an id
        'T\\1,F,2016-03-01,2025-02-01,venous,no,mmol/L,5.2,1.4,3.3,direct,0.9,"a\tb\\c\nd",'
    )
    _known_child(cast["ped_a"], "DEMO-A")
    _known_child(cast["ped_b"], "DEMO-B")
    fast_file = write_file(tmp_path / "fast.csv", rows)
    slow_file = write_file(tmp_path / "slow.csv", rows, trailer="\n")  # other hash

    with caplog.at_level(logging.INFO, logger="screening.imports.fast_path"):
        fast = import_file(coordinator, fast_file, path="fast", chunk_rows=37)
    where = f"{workers} worker processes" if workers else "the importing process"
    assert f"import batch {fast.pk}: deciding 245 rows in {where}" in caplog.text
    slow = import_file(
        coordinator, slow_file, practice_code="DEMO-B", path="slow", chunk_rows=53
    )

    fast_rows, slow_rows = _snapshot(fast), _snapshot(slow)
    assert fast_rows["tally"][0] == 245
    assert ("T\\1", date(2025, 2, 1), "a\tb\\c\nd") in fast_rows["results"]
    assert fast_rows["tally"][2] > 0  # duplicates in the file were skipped
    assert fast_rows["tally"][3] > 0  # bad rows were rejected
    assert {outcome[1][2] for outcome in fast_rows["results"].values()} >= {
        "positive",
        "repeat_needed",
        "negative",
        "needs_direct_ldl",
    }
    assert fast_rows == slow_rows
    assert fast_rows["history"] == {
        name: [(coordinator.pk, "+")] for name in ("Person", "LabResult")
    }
    assert fast_rows["counts"]["LabResult"] == fast_rows["tally"][1]
    assert fast_rows["counts"]["Assessment"] == fast_rows["tally"][1]
