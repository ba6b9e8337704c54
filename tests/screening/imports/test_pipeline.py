"""The import pipeline: every row imported, skipped or reported, nothing half-done."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from screening import services
from screening.imports.pipeline import run_import
from screening.imports.report import report_lines
from screening.models import (
    Assessment,
    Consent,
    ImportRowError,
    ImportStatus,
    LabResult,
    Person,
)
from screening.signals import assessment_recorded
from tests import personas
from tests.screening.imports.conftest import (
    DATA,
    HEADER,
    import_file,
    register,
    write_file,
)

pytestmark = pytest.mark.django_db
PATHS = ["fast", "slow"]
REASON = "import batch {}"


def _history(model: Any, batch: Any) -> Any:
    return model.history.filter(history_change_reason=REASON.format(batch.pk))


@pytest.mark.parametrize("path", PATHS)
def test_sample_rows_become_children_results_assessments_and_history(
    ped_a: Any, path: str
) -> None:
    batch = import_file(ped_a, DATA / "import_sample.csv", path=path)

    assert (batch.status, batch.message) == (ImportStatus.COMPLETED, "")
    assert (batch.rows_read, batch.rows_imported, batch.rows_skipped) == (6, 6, 0)
    assert (batch.rows_rejected, batch.progress) == (0, 100)
    results = LabResult.objects.filter(import_batch=batch)
    assert results.count() == 6
    assert set(results.values_list("source", "entered_by", "person__practice__code"))
    assert set(
        results.values_list("source", "entered_by", "person__practice__code")
    ) == {("import", ped_a.pk, "DEMO-A")}
    persons = Person.objects.filter(practice_patient_number__startswith="P-10")
    assert persons.count() == 5
    assert not Consent.objects.filter(person__in=persons).exists()
    for result in results:
        assert result.assessments.count() == 1
    for model, rows in ((Person, 5), (LabResult, 6)):
        history = _history(model, batch)
        assert history.count() == rows, model
        assert set(history.values_list("history_user", "history_type")) == {
            (ped_a.pk, "+")
        }
    # Assessments are their own record: author and batch on the row itself.
    assert set(
        Assessment.objects.filter(lab_result__import_batch=batch).values_list(
            "created_by", "import_batch"
        )
    ) == {(ped_a.pk, batch.pk)}
    friedewald = results.get(person__practice_patient_number="P-1004")
    assert (friedewald.ldl_computed_here, friedewald.ldl_method) == (
        True,
        "calculated",
    )
    assert friedewald.ldl_mmol_l == Decimal("4.680631")  # (245 - 48 - 16) / 38.67
    assert friedewald.tc_mmol_l == Decimal("6.335661")
    assert friedewald.tg_mmol_l == Decimal("0.903240")
    german = results.get(person__practice_patient_number="P-1005")
    assert (german.sample_date, german.fasting) == (date(2026, 1, 14), True)
    outcomes = {
        (a.person.practice_patient_number, a.lab_result.lab_sample_id): (
            a.outcome,
            a.criterion,
            a.alerts,
        )
        for a in Assessment.objects.filter(lab_result__import_batch=batch)
    }
    assert outcomes == {
        ("P-1001", "L-0001"): ("negative", "", []),
        ("P-1002", "L-0002"): ("positive", "A", []),
        # LDL-C 3.67 and 4.1 mmol/L: criterion B (> 3.5 with a family finding)
        # is reachable and nobody has asked the family yet.
        ("P-1003", "L-0003"): ("negative", "", ["family_history_unknown"]),
        ("P-1004", "L-0004"): ("positive", "A", ["calculated_ldl"]),
        ("P-1005", "L-0005"): (
            "negative",
            "",
            ["calculated_ldl", "family_history_unknown"],
        ),
        ("P-1002", "L-0006"): ("positive", "A", []),
    }


BAD_ROWS = [
    (3, "practice_patient_id", "", "missing_value", "rejected"),
    (4, "sex", "X", "invalid_choice", "rejected"),
    (5, "birth_date", "2016-02-30", "invalid_date", "rejected"),
    (6, "sample_type", "arterial", "invalid_choice", "rejected"),
    (7, "fasting", "maybe", "invalid_choice", "rejected"),
    (8, "unit", "g/L", "invalid_choice", "rejected"),
    (9, "total_cholesterol", "4.2x", "invalid_number", "rejected"),
    (10, "ldl_method", "guessed", "invalid_choice", "rejected"),
    (11, "sample_date", "2099-01-12", "future", "rejected"),
    (12, "sample_date", "2015-01-12", "before_birth", "rejected"),
    (13, "ldl_cholesterol", "5.3", "ldl_exceeds_tc", "rejected"),
    (13, "ldl_cholesterol", "5.3", "ldl_exceeds_non_hdl", "rejected"),
    (14, "total_cholesterol", "40", "out_of_range", "rejected"),
    (15, "ldl_cholesterol", "2.41234", "precision", "rejected"),
    (16, "total_cholesterol", "", "no_values", "rejected"),
    (17, "", "", "malformed_row", "rejected"),
    (18, "ldl_cholesterol", "330", "ldl_above_300_mg_dl", "warning"),
    (18, "triglycerides", "600", "tg_at_or_above_500_mg_dl", "warning"),
    (19, "sex", "M", "identity_mismatch", "rejected"),
    (20, "lab_sample_id", "S-1", "duplicate_row", "skipped"),
]


@pytest.mark.parametrize("path", PATHS)
def test_every_bad_row_is_reported_and_none_stops_the_batch(
    ped_a: Any, path: str
) -> None:
    batch = import_file(ped_a, DATA / "import_bad_rows.csv", path=path)

    assert batch.status == ImportStatus.COMPLETED
    assert (batch.rows_read, batch.rows_imported) == (19, 2)
    assert (batch.rows_skipped, batch.rows_rejected) == (1, 16)
    found = list(
        ImportRowError.objects.filter(batch=batch).values_list(
            "line", "column", "value", "code", "kind"
        )
    )
    assert found == BAD_ROWS
    reasons = dict(
        ImportRowError.objects.filter(batch=batch).values_list("code", "reason_en")
    )
    german = dict(
        ImportRowError.objects.filter(batch=batch).values_list("code", "reason_de")
    )
    # Every reason in both languages, whoever uploaded: the reader's shows.
    assert german["ldl_exceeds_tc"] == (
        "LDL-C 5,3 mmol/L kann nicht über dem Gesamtcholesterin 4,0 mmol/L liegen"
    )
    assert german["malformed_row"] != reasons["malformed_row"]
    assert all(german.values())
    assert reasons["ldl_exceeds_tc"] == (
        "LDL-C 5.3 mmol/L cannot exceed total cholesterol 4.0 mmol/L"
    )
    assert reasons["identity_mismatch"] == "This child is known with sex F."
    assert reasons["malformed_row"] == "The row has 11 cells; the header has 13."
    # Extreme-but-possible values are imported (the lab measured them) and listed.
    extreme = LabResult.objects.get(import_batch=batch, lab_sample_id="S-17")
    assert extreme.assessments.get().outcome == "positive"
    lines = list(report_lines(batch))
    assert lines[0] == "line,column,value,code,reason,kind\n"
    assert (
        lines[1]
        == "3,practice_patient_id,,missing_value,A value is required.,rejected\n"
    )
    assert len(lines) == 1 + len(BAD_ROWS)
    in_german = list(report_lines(batch, "de"))
    assert in_german[1].startswith("3,practice_patient_id,,missing_value,")
    assert in_german[1] != lines[1]


def test_the_same_file_twice_is_recognised_and_not_imported_again(
    ped_a: Any,
) -> None:
    first = import_file(ped_a, DATA / "import_sample.csv")

    again = register(ped_a, DATA / "import_sample.csv")

    assert again.duplicate
    assert again.batch.pk == first.pk
    assert LabResult.objects.filter(source="import").count() == 6


@pytest.mark.parametrize("path", PATHS)
def test_rows_already_stored_are_skipped_and_counted(
    ped_a: Any, child_a: Any, tmp_path: Path, path: str
) -> None:
    services.record_lab_result(
        acting_user=ped_a,
        person=child_a,
        entry=personas.lab_entry(sample_date=date(2026, 1, 10), lab_sample_id="HAND-1"),
    )
    import_file(ped_a, DATA / "import_sample.csv", path=path)
    rows = (DATA / "import_sample.csv").read_text().splitlines()[1:]
    rows += [
        "A-1,F,2016-03-01,2026-01-10,capillary,no,mmol/L,4.3,1.4,2.5,direct,0.9,HAND-1,",
        "P-1001,F,2016-03-01,2026-02-12,capillary,no,mmol/L,4.4,1.4,2.6,direct,0.9,L-9,",
    ]
    second = write_file(tmp_path / "second.csv", rows)

    batch = import_file(ped_a, second, path=path)

    assert (batch.rows_read, batch.rows_imported, batch.rows_skipped) == (8, 1, 7)
    assert set(
        ImportRowError.objects.filter(batch=batch).values_list("code", "kind")
    ) == {("already_imported", "skipped")}
    assert LabResult.objects.filter(person=child_a).count() == 1


class InjectedCrashError(RuntimeError):
    pass


def _interrupt_after_first_chunk(imported: int) -> None:
    raise InjectedCrashError(f"injected after {imported} rows")


@pytest.mark.parametrize("path", PATHS)
def test_an_import_interrupted_part_way_leaves_nothing_behind(
    ped_a: Any, path: str
) -> None:
    started = register(ped_a, DATA / "import_sample.csv")
    persons_before = Person.objects.count()

    batch = run_import(
        started.batch.pk,
        path=path,
        chunk_rows=2,
        after_chunk=_interrupt_after_first_chunk,
    )

    batch.refresh_from_db()
    assert batch.status == ImportStatus.FAILED
    assert batch.message.startswith(
        "The import failed and was rolled back; nothing was imported. (injected after"
    )
    assert (batch.rows_imported, batch.finished_at is not None) == (0, True)
    assert not LabResult.objects.filter(import_batch=batch).exists()
    assert not Assessment.objects.filter(lab_result__import_batch=batch).exists()
    assert Person.objects.count() == persons_before
    assert not ImportRowError.objects.filter(batch=batch).exists()
    for model in (Person, LabResult):
        assert not _history(model, batch).exists()
    # A failed file may be sent again: it is not recognised as imported.
    assert not register(ped_a, DATA / "import_sample.csv").duplicate


def test_a_completed_batch_is_not_run_again(ped_a: Any) -> None:
    batch = import_file(ped_a, DATA / "import_sample.csv")

    again = run_import(batch.pk)

    assert again.status == ImportStatus.COMPLETED
    assert LabResult.objects.filter(import_batch=batch).count() == 6


@pytest.fixture
def announced() -> Iterator[list[int]]:
    seen: list[int] = []

    def receiver(
        sender: Any, assessments: Any, acting_user: Any, **kwargs: Any
    ) -> None:
        for assessment in assessments:
            assert assessment.pk is not None
            assert LabResult.objects.filter(pk=assessment.lab_result_id).exists()
            seen.append(assessment.pk)

    assessment_recorded.connect(receiver, dispatch_uid="import-announced")
    yield seen
    assessment_recorded.disconnect(dispatch_uid="import-announced")


@pytest.mark.parametrize("path", PATHS)
def test_assessment_recorded_once_with_every_assessment_of_the_batch(
    ped_a: Any, announced: list[int], path: str
) -> None:
    """One event for the batch, carrying its assessments: the follow-up side
    picks out those that call for it."""
    batch = import_file(ped_a, DATA / "import_sample.csv", path=path)

    written = Assessment.objects.filter(lab_result__import_batch=batch)
    assert sorted(announced) == sorted(written.values_list("pk", flat=True))
    assert written.filter(outcome__in=["positive", "definite"]).count() == 3


def test_rows_of_a_child_whose_consent_was_withdrawn_are_rejected(
    ped_a: Any, child_a: Any, tmp_path: Path
) -> None:
    consent = Consent.objects.get(person=child_a)
    consent.withdrawn_on = timezone.localdate() - timedelta(days=1)
    consent._history_user = ped_a  # type: ignore[attr-defined]
    consent.save()
    source = write_file(
        tmp_path / "withdrawn.csv",
        ["A-1,F,2016-03-01,2026-01-10,capillary,no,mmol/L,4.3,1.4,2.5,direct,0.9,X,"],
    )

    batch = import_file(ped_a, source)

    assert (batch.rows_imported, batch.rows_rejected) == (0, 1)
    error = ImportRowError.objects.get(batch=batch)
    assert (error.column, error.value, error.code, error.reason("en")) == (
        "practice_patient_id",
        "A-1",
        "consent_withdrawn",
        "The screening consent for this child has been withdrawn.",
    )


def test_a_known_child_with_another_birth_date_is_a_row_error(
    ped_a: Any, child_a: Any, tmp_path: Path
) -> None:
    source = write_file(
        tmp_path / "mismatch.csv",
        ["A-1,F,2016-03-02,2026-01-10,capillary,no,mmol/L,4.3,1.4,2.5,direct,0.9,X,"],
    )

    batch = import_file(ped_a, source)

    error = ImportRowError.objects.get(batch=batch)
    assert (
        error.line,
        error.column,
        error.value,
        error.code,
        error.reason("en"),
    ) == (
        2,
        "birth_date",
        "2016-03-02",
        "identity_mismatch",
        "This child is known with birth_date 2016-03-01.",
    )


def test_an_imported_row_is_assessed_exactly_as_if_entered_by_hand(
    ped_a: Any, child_a: Any, tmp_path: Path, settings: Any
) -> None:
    # EAS 2015 criterion A needs two successive values: the series matters.
    settings.ACTIVE_PAEDIATRIC_RULESET = "eas2015"
    twin = personas.register_child(ped_a, number="A-2")
    earlier = personas.lab_entry(
        sample_date=date(2025, 6, 1),
        total_cholesterol=Decimal("7.0"),
        ldl_cholesterol=Decimal("5.2"),
    )
    for person in (child_a, twin):
        services.record_lab_result(acting_user=ped_a, person=person, entry=earlier)
    by_hand = services.record_lab_result(
        acting_user=ped_a,
        person=child_a,
        entry=personas.lab_entry(
            sample_date=date(2026, 1, 10),
            unit="mg/dL",
            total_cholesterol=Decimal("262"),
            hdl_cholesterol=Decimal("50"),
            ldl_cholesterol=None,
            triglycerides=Decimal("90"),
            lab_sample_id="Z-1",
        ),
    )
    source = write_file(
        tmp_path / "twin.csv",
        ["A-2,F,2016-03-01,10.01.2026,capillary,nein,mg/dL,262,50,,,90,Z-1,"],
    )

    batch = import_file(ped_a, source)

    imported = LabResult.objects.get(import_batch=batch)
    fields = [
        *("tc_mmol_l", "hdl_mmol_l", "ldl_mmol_l", "tg_mmol_l"),
        *("ldl_method", "ldl_computed_here", "fasting", "entered_unit"),
    ]
    hand = LabResult.objects.get(pk=by_hand.lab_result.pk)
    assert [getattr(imported, name) for name in fields] == [
        getattr(hand, name) for name in fields
    ]
    compared = [
        *("ruleset_id", "ruleset_version", "outcome", "criterion", "alerts"),
        *("ldl_mmol_l", "ldl_source", "score", "reason_codes", "inputs"),
    ]
    mine = Assessment.objects.get(lab_result=imported)
    theirs = Assessment.objects.get(pk=by_hand.assessment.pk)
    assert [getattr(mine, name) for name in compared] == [
        getattr(theirs, name) for name in compared
    ]
    assert len(mine.inputs["occasions"]) == 2
    assert (mine.outcome, mine.criterion) == ("positive", "A")


def test_a_file_that_turns_out_unreadable_half_way_is_refused_whole(
    ped_a: Any, tmp_path: Path
) -> None:
    good = "C-{},F,2016-03-01,2026-01-12,capillary,no,mmol/L,4.2,1.4,2.4,direct,0.9,,"
    source = tmp_path / "latin.csv"
    body = "\n".join(good.format(index) for index in range(2000))
    source.write_bytes(f"{HEADER}\n{body}\n".encode() + "Müller\n".encode("latin-1"))

    batch = import_file(ped_a, source)

    assert batch.status == ImportStatus.REFUSED
    assert batch.message.startswith("The file is not UTF-8 text")
    assert not LabResult.objects.filter(import_batch=batch).exists()
    assert not Person.objects.filter(practice_patient_number="C-1").exists()


def test_a_file_without_the_required_columns_is_refused_on_upload(
    ped_a: Any, tmp_path: Path
) -> None:
    source = tmp_path / "short.csv"
    source.write_text("practice_patient_id,sex\nX,F\n")

    with pytest.raises(ValidationError) as refused:
        register(ped_a, source)

    assert refused.value.error_dict["file"][0].code == "missing_columns"


def test_a_birth_date_over_120_years_ago_is_a_row_error(
    ped_a: Any, tmp_path: Path
) -> None:
    source = write_file(
        tmp_path / "old.csv",
        ["A-7,F,1900-03-01,2026-01-10,capillary,no,mmol/L,4.3,1.4,2.5,direct,0.9,X,"],
    )
    batch = import_file(ped_a, source)
    assert (batch.rows_imported, batch.rows_rejected) == (0, 1)
    error = ImportRowError.objects.get(batch=batch)
    assert (error.line, error.column, error.code) == (
        2,
        "birth_date",
        "implausible_birth_date",
    )
