"""fetch builds the same instances as Django's Manager.raw() for the same SQL."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model

from fh_registry.models import User
from fh_registry.rawsql import RowsOf, fetch, fetch_one, fetch_sets
from screening import services
from screening.models import Assessment, LabResult

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("either_binding")]


def _state(obj: Model, extras: tuple[str, ...] = ()) -> dict[str, Any]:
    loaded = {
        field.attname: getattr(obj, field.attname)
        for field in obj._meta.concrete_fields
        if field.attname not in obj.get_deferred_fields()
    }
    return {
        **loaded,
        **{name: getattr(obj, name) for name in extras},
        "_deferred": sorted(obj.get_deferred_fields()),
        "_adding": obj._state.adding,
        "_db": obj._state.db,
    }


def _same(
    model: type[Model], sql: str, params: Any, extras: tuple[str, ...] = ()
) -> list[dict[str, Any]]:
    ours = [_state(obj, extras) for obj in fetch(model, sql, params)]
    django = [_state(obj, extras) for obj in model._default_manager.raw(sql, params)]
    assert ours == django
    return ours


@pytest.fixture
def recorded(ped_a: Any, child_a: Any) -> list[services.RecordedResult]:
    return [
        services.record_lab_result(
            acting_user=ped_a,
            person=child_a,
            entry=services.LabEntry(
                sample_date=date(2026, 3, day),
                sample_type="venous",
                unit="mg/dL",
                total_cholesterol=Decimal("290"),
                hdl_cholesterol=Decimal("50"),
                ldl_cholesterol=None,
                triglycerides=Decimal("120"),
            ),
        )
        for day in (2, 20)
    ]


def test_whole_rows_with_json_and_decimal_fields(recorded: Any) -> None:
    rows = _same(Assessment, "SELECT * FROM screening_assessment ORDER BY id", [])
    assert len(rows) == 2
    assert isinstance(rows[0]["reasons_en"], list)  # decoded, not JSON text
    assert isinstance(rows[0]["inputs"], dict)
    results = _same(
        LabResult, "SELECT * FROM screening_labresult ORDER BY sample_date", []
    )
    assert [row["sample_date"] for row in results] == [
        date(2026, 3, 2),
        date(2026, 3, 20),
    ]
    assert isinstance(results[0]["ldl_mmol_l"], Decimal)


def test_some_columns_defer_the_rest_and_extra_columns_become_attributes(
    recorded: Any,
) -> None:
    sql = """
        SELECT a.id, a.outcome, a.reasons_de, r.sample_date
        FROM screening_assessment a JOIN screening_labresult r ON r.id = a.lab_result_id
        WHERE a.person_id = %(person)s ORDER BY a.id DESC
    """
    params = {"person": recorded[0].lab_result.person_id}
    rows = _same(Assessment, sql, params, extras=("sample_date",))
    assert [row["sample_date"] for row in rows] == [date(2026, 3, 20), date(2026, 3, 2)]
    assert "inputs" in rows[0]["_deferred"]


def test_columns_in_another_order_and_named_parameters(ped_a: Any) -> None:
    sql = "SELECT username, role, id, is_active FROM fh_registry_user WHERE id = %s"
    rows = _same(User, sql, [ped_a.pk])
    assert rows[0]["username"] == ped_a.username


def test_one_or_none(ped_a: Any) -> None:
    sql = "SELECT * FROM fh_registry_user WHERE id = %s"
    assert fetch_one(User, sql, [ped_a.pk]) == ped_a
    assert fetch_one(User, sql, [-1]) is None


def test_the_primary_key_is_required(ped_a: Any) -> None:
    with pytest.raises(FieldDoesNotExist):
        fetch(User, "SELECT username FROM fh_registry_user", [])


def test_rows_of_a_model_hold_the_instances_values_by_column(recorded: Any) -> None:
    sql = """
        SELECT a.outcome, a.reasons_en, a.created_at, a.ruleset_id, r.sample_date,
               r.ldl_mmol_l
        FROM screening_assessment a JOIN screening_labresult r ON r.id = a.lab_result_id
        WHERE a.person_id = %(person)s ORDER BY a.id
    """
    params = {"person": recorded[0].lab_result.person_id}
    rows, plain = fetch_sets([(RowsOf(Assessment), sql), (None, sql)], params)
    stored = [
        (item.assessment, item.lab_result)
        for item in recorded
        if item.assessment is not None
    ]
    assert len(rows) == len(stored) == 2
    for row, (assessment, result) in zip(rows, stored, strict=True):
        # Assessment's own columns converted as its fields are (JSON decoded).
        assert row.outcome == assessment.outcome
        assert row.reasons_en == assessment.reasons_en
        assert isinstance(row.reasons_en, list)
        assert row.created_at == assessment.created_at
        assert row.ruleset_id == assessment.ruleset_id
        # Another table's columns come as the driver gives them, as with raw().
        assert row.sample_date in (result.sample_date, str(result.sample_date))
        assert row._fields[-1] == "ldl_mmol_l"
    assert [len(row) for row in rows] == [len(values) for values in plain]


def test_rows_of_a_model_need_no_primary_key(recorded: Any) -> None:
    sql = "SELECT sample_date, ldl_mmol_l FROM screening_labresult"
    (rows,) = fetch_sets([(RowsOf(LabResult), sql)], {})
    assert sorted(rows) == sorted(
        (item.lab_result.sample_date, item.lab_result.ldl_mmol_l) for item in recorded
    )
    assert all(isinstance(row.ldl_mmol_l, Decimal) for row in rows)


def test_rows_of_a_model_name_unnamed_columns_by_position(recorded: Any) -> None:
    sql = "SELECT sample_date, 1 + 1 FROM screening_labresult ORDER BY sample_date"
    (rows,) = fetch_sets([(RowsOf(LabResult), sql)], {})
    assert [(row.sample_date, row._1) for row in rows] == [
        (date(2026, 3, 2), 2),
        (date(2026, 3, 20), 2),
    ]
