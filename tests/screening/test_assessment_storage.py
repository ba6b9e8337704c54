"""Assessments keep their reasons as codes with parameters, rendered when read in
the reader's language; they are append-only, their own record; what an import
created names its batch on the child's history page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from fh_registry.models import Practice
from screening.migrations._reason_codes import reason_codes
from screening.models import Assessment, ImportBatch, LabResult, Person
from tests.personas import client_for, record_result

DATA = Path(__file__).resolve().parent.parent / "data"


@pytest.mark.django_db
def test_every_demo_assessment_reads_the_same_after_conversion(
    settings: Any, tmp_path: Path
) -> None:
    """Texts as stored before (rendered in both languages) become codes that
    render exactly those texts again; the demo's are all derived, none kept
    as legacy text."""
    settings.MEDIA_ROOT = tmp_path
    call_command("seed_demo", "--children", "320", verbosity=0)
    assessments = list(Assessment.objects.all())
    assert len(assessments) > 300
    for assessment in assessments:
        before_en, before_de = assessment.reasons("en"), assessment.reasons("de")
        codes = reason_codes(
            ruleset_id=assessment.ruleset_id,
            ruleset_version=assessment.ruleset_version,
            inputs=assessment.inputs,
            alerts=assessment.alerts,
            texts_en=before_en,
            texts_de=before_de,
        )
        assert codes == assessment.reason_codes, assessment.pk
        converted = Assessment(reason_codes=codes)
        assert converted.reasons("en") == before_en
        assert converted.reasons("de") == before_de


def test_texts_that_cannot_be_derived_again_are_kept_verbatim() -> None:
    codes = reason_codes(
        ruleset_id="eas2026",
        ruleset_version="1999.1",  # a version no longer in the code
        inputs={},
        alerts=[],
        texts_en=["LDL-C 5.3 mmol/L > 4.5 mmol/L → criterion A"],
        texts_de=["LDL-C 5,3 mmol/L > 4,5 mmol/L → Kriterium A"],
    )
    kept = Assessment(reason_codes=codes)
    assert kept.reasons("en") == ["LDL-C 5.3 mmol/L > 4.5 mmol/L → criterion A"]
    assert kept.reasons("de") == ["LDL-C 5,3 mmol/L > 4,5 mmol/L → Kriterium A"]


@pytest.mark.django_db(transaction=True)
def test_the_migration_converts_stored_texts(cast: dict[str, Any]) -> None:
    executor = MigrationExecutor(connection)
    before, after = (
        ("screening", "0008_verbose_names"),
        (
            "screening",
            "0009_reasons_as_codes_append_only_assessments",
        ),
    )
    # Going back to screening 0008 also unapplies every later migration of other
    # apps that depends on it (follow-up, statistics): all of them come back.
    latest = executor.loader.graph.leaf_nodes()
    try:
        executor.migrate([before])
        apps = executor.loader.project_state([before]).apps
        old_person = apps.get_model("screening", "Person").objects.create(
            sex="F",
            birth_date="2016-03-01",
            practice_id=Practice.objects.get(code="DEMO-A").pk,
        )
        result = apps.get_model("screening", "LabResult").objects.create(
            person=old_person,
            sample_date="2026-11-02",
            sample_type="venous",
            entered_unit="mmol/L",
            ldl_cholesterol_entered="5.3",
            ldl_method="direct",
            source="form",
            entered_by_id=cast["ped_a"].pk,
        )
        stored = apps.get_model("screening", "Assessment").objects.create(
            person=old_person,
            lab_result=result,
            ruleset_id="eas2026",
            ruleset_version="2026.1",
            outcome="positive",
            criterion="A",
            reasons_en=["LDL-C 5.3 mmol/L > 4.5 mmol/L → criterion A"],
            reasons_de=["LDL-C 5,3 mmol/L > 4,5 mmol/L → Kriterium A"],
            inputs={
                "sex": "F",
                "family_history": [],
                "own_variant": None,
                "secondary_cause": None,
                "occasions": [
                    {
                        "age_years": "10.67",
                        "unit": "mmol/L",
                        "total_cholesterol": None,
                        "ldl_cholesterol": "5.3",
                        "ldl_method": "direct",
                        "hdl_cholesterol": None,
                        "triglycerides": None,
                    }
                ],
            },
            created_by_id=cast["ped_a"].pk,
        )
        executor = MigrationExecutor(connection)
        executor.migrate([after])
        converted = Assessment.objects.get(pk=stored.pk)
        assert converted.reason_codes[0][0] == "criterion_met"
        assert converted.reasons("en") == [
            "LDL-C 5.3 mmol/L > 4.5 mmol/L → criterion A"
        ]
        assert converted.reasons("de") == [
            "LDL-C 5,3 mmol/L > 4,5 mmol/L → Kriterium A"
        ]
    finally:
        MigrationExecutor(connection).migrate(latest)


@pytest.mark.django_db
def test_postgresql_refuses_to_change_or_delete_an_assessment(
    ped_a: Any, child_a: Any
) -> None:

    recorded = record_result(ped_a, child_a)
    rows = Assessment.objects.filter(pk=recorded.assessment.pk)
    refused = pytest.raises(IntegrityError, match="append-only: UPDATE refused")
    with refused, transaction.atomic():
        rows.update(outcome="positive")
    refused = pytest.raises(IntegrityError, match="append-only: DELETE refused")
    with refused, transaction.atomic():
        rows.delete()
    assert rows.get().outcome == "negative"


@pytest.mark.django_db
def test_the_history_page_names_the_import_behind_each_record(
    ped_a: Any, settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    call_command(
        "import_results", str(DATA / "import_sample.csv"), "--practice", "DEMO-A"
    )
    batch = ImportBatch.objects.get()
    child = Person.objects.get(practice_patient_number="P-1001")
    html = client_for(ped_a).get(f"/screening/children/{child.pseudonym}/history/")
    text = html.content.decode()
    via = f"import of import_sample.csv (batch {batch.pk})"
    rows = [row for row in text.split("<tr>") if via in row]
    records = {row.split("<td>")[3].split("</td>")[0] for row in rows}
    assert records == {"Child", "Lab result", "Assessment"}
    assert all(f"<td>{batch.uploaded_by}</td>" in row for row in rows)
    assert LabResult.objects.get(person=child).import_batch == batch
