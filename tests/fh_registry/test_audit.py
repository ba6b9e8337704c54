"""insert_with_history writes exactly the rows an ORM save and simple-history do."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.forms.models import model_to_dict

from fh_registry.audit import (
    insert_pair_with_history,
    insert_with_history,
    save_with_receiver,
)
from screening.models import Assessment, LabResult

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("either_binding")]

HISTORY_OWN = ("history_id", "history_date", "id", "created_at")


def _result(child: Any, user: Any, sample_id: str) -> LabResult:
    return LabResult(
        person=child,
        sample_date=child.birth_date.replace(year=child.birth_date.year + 5),
        sample_type="venous",
        fasting=True,
        lab_sample_id=sample_id,
        entered_unit="mg/dL",
        total_cholesterol_entered=Decimal("260"),
        hdl_cholesterol_entered=Decimal("50"),
        triglycerides_entered=Decimal("120"),
        ldl_method="calculated",
        ldl_computed_here=True,
        tc_mmol_l=Decimal("6.723558"),
        ldl_mmol_l=Decimal("4.810499"),
        lipoprotein_a=None,
        secondary_cause="",
        source="api",
        entered_by=user,
        idempotency_key=f"key-{sample_id}",
    )


def _assessment(result: LabResult, user: Any) -> Assessment:
    return Assessment(
        person=result.person,
        lab_result=result,
        ruleset_id="eas2026",
        ruleset_version="1.0",
        outcome="positive",
        criterion="A",
        alerts=["hofh_suspected"],
        ldl_mmol_l=Decimal("4.810499"),
        ldl_source="friedewald",
        score=None,
        reasons_en=["LDL-C 186 mg/dL ≥ 160 mg/dL"],
        reasons_de=["LDL-C 186 mg/dL ≥ 160 mg/dL"],
        inputs={"sex": "F", "occasions": [{"unit": "mg/dL"}]},
        created_by=user,
    )


def _row(obj: Any) -> dict[str, Any]:
    stored = type(obj).objects.get(pk=obj.pk)
    return {
        key: value
        for key, value in model_to_dict(stored).items()
        if key
        not in ("id", "created_at", "lab_sample_id", "idempotency_key", "lab_result")
    }


def _history(obj: Any) -> dict[str, Any]:
    record = obj.history.get()
    values = {
        field.attname: getattr(record, field.attname)
        for field in record._meta.concrete_fields
        if field.attname not in HISTORY_OWN
        and field.attname not in ("lab_sample_id", "idempotency_key", "lab_result_id")
    }
    assert record.id == obj.pk
    return values


@pytest.mark.skipif(connection.vendor != "postgresql", reason="one statement on PG")
def test_one_statement_writes_the_rows_of_a_save(ped_a: Any, child_a: Any) -> None:
    saved = _result(child_a, ped_a, "S-1")
    save_with_receiver(saved, acting_user=ped_a)
    inserted = _result(child_a, ped_a, "S-2")
    insert_with_history(inserted, acting_user=ped_a)
    assert inserted.pk is not None
    assert inserted.pk != saved.pk
    assert not inserted._state.adding
    assert _row(inserted) == _row(saved)
    assert _history(inserted) == _history(saved)
    assert inserted.history.get().history_user == ped_a
    assert inserted.history.get().history_type == "+"

    saved_assessment = _assessment(saved, ped_a)
    save_with_receiver(saved_assessment, acting_user=ped_a)
    inserted_assessment = _assessment(inserted, ped_a)
    insert_with_history(inserted_assessment, acting_user=ped_a)
    assert _row(inserted_assessment) == _row(saved_assessment)
    assert _history(inserted_assessment) == _history(saved_assessment)
    assert inserted_assessment.history.get().lab_result_id == inserted.pk


@pytest.mark.skipif(connection.vendor != "postgresql", reason="one statement on PG")
def test_a_pair_in_one_statement_writes_the_rows_of_two_saves(
    ped_a: Any, child_a: Any
) -> None:
    saved = _result(child_a, ped_a, "S-1")
    save_with_receiver(saved, acting_user=ped_a)
    saved_assessment = _assessment(saved, ped_a)
    save_with_receiver(saved_assessment, acting_user=ped_a)

    inserted = _result(child_a, ped_a, "S-2")
    inserted_assessment = _assessment(inserted, ped_a)  # its result not yet stored
    insert_pair_with_history(
        inserted, inserted_assessment, link="lab_result", acting_user=ped_a
    )
    assert inserted.pk is not None
    assert inserted_assessment.lab_result_id == inserted.pk
    assert not inserted._state.adding
    assert not inserted_assessment._state.adding
    assert _row(inserted) == _row(saved)
    assert _history(inserted) == _history(saved)
    assert _row(inserted_assessment) == _row(saved_assessment)
    assert _history(inserted_assessment) == _history(saved_assessment)
    stored = Assessment.objects.get(pk=inserted_assessment.pk)
    assert stored.lab_result_id == inserted.pk
    record = inserted_assessment.history.get()
    assert (record.lab_result_id, record.history_user, record.history_type) == (
        inserted.pk,
        ped_a,
        "+",
    )


def test_a_pair_is_written_with_history_on_every_database(
    ped_a: Any, child_a: Any
) -> None:
    result = _result(child_a, ped_a, "S-3")
    assessment = _assessment(result, ped_a)
    insert_pair_with_history(result, assessment, link="lab_result", acting_user=ped_a)
    assert LabResult.objects.get(pk=result.pk).assessments.get() == assessment
    assert result.history.get().history_user == ped_a
    assert assessment.history.get().history_user == ped_a
