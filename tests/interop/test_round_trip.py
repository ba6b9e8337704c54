"""A round trip: a child's $everything, posted as a transaction into a practice
that holds no one yet, gives the same clinical data: the same results as
entered, the same genetic result and family history, the same current
assessment, and the same Observations when exported again."""

from __future__ import annotations

import json
from typing import Any

import pytest

from screening.models import (
    Assessment,
    FamilyHistoryEntry,
    GeneticResult,
    LabResult,
    Person,
)
from tests import personas

pytestmark = pytest.mark.django_db

RESULT_FIELDS = (
    "sample_date",
    "sample_type",
    "fasting",
    "lab_sample_id",
    "entered_unit",
    "total_cholesterol_entered",
    "hdl_cholesterol_entered",
    "ldl_cholesterol_entered",
    "triglycerides_entered",
    "ldl_method",
    "lipoprotein_a",
    "lipoprotein_a_unit",
    "tc_mmol_l",
    "hdl_mmol_l",
    "ldl_mmol_l",
    "tg_mmol_l",
)
GENETIC_FIELDS = (
    "gene",
    "hgvs_c",
    "hgvs_p",
    "transcript",
    "finding",
    "acmg_class",
    "lab",
    "report_date",
)


def everything(user: Any, person: Person) -> dict[str, Any]:
    response = personas.api_client_for(user).get(
        f"/api/v1/fhir/Patient/{person.pseudonym}/$everything"
    )
    assert response.status_code == 200
    return json.loads(response.content)


def as_transaction(bundle: dict[str, Any], patient_number: str) -> dict[str, Any]:
    """What a receiving registry takes: the Patient (with the receiving
    practice's number), the Observations and the family findings; assessments
    and the Condition are derived there, registered relatives are not persons
    of the receiving practice."""
    entries = []
    for entry in bundle["entry"]:
        resource = dict(entry["resource"])
        kind = resource["resourceType"]
        if kind in ("RiskAssessment", "Condition"):
            continue
        if kind == "FamilyMemberHistory" and "extension" in resource:
            continue
        if kind == "Patient":
            resource["identifier"] = [
                {
                    "system": "urn:fh-registry:practice-patient-number",
                    "value": patient_number,
                }
            ]
        entries.append(
            {
                "fullUrl": entry["fullUrl"],
                "resource": resource,
                "request": {"method": "POST", "url": kind},
            }
        )
    return {"resourceType": "Bundle", "type": "transaction", "entry": entries}


def clinical_data(person: Person) -> dict[str, Any]:
    """What a registry knows clinically of a person, free of ids and authors."""
    results = LabResult.objects.filter(person=person).order_by("sample_date")
    # Oldest first, so the newest of each rule set is the one kept.
    current = {
        a.ruleset_id: (a.outcome, a.criterion, sorted(a.alerts), a.ldl_mmol_l)
        for a in Assessment.objects.filter(person=person)
        .newest_sample_first()
        .reverse()
    }
    return {
        "person": (person.sex, person.birth_date, person.deceased),
        "results": [tuple(getattr(r, f) for f in RESULT_FIELDS) for r in results],
        "genetic": [
            tuple(getattr(g, f) for f in GENETIC_FIELDS)
            for g in GeneticResult.objects.filter(person=person)
        ],
        "family_history": sorted(
            FamilyHistoryEntry.objects.filter(person=person).values_list(
                "code", flat=True
            )
        ),
        "current_assessment": current,
    }


def observations(bundle: dict[str, Any]) -> list[Any]:
    """The Observations without their ids and subject, comparable across
    registries."""
    found = []
    for entry in bundle["entry"]:
        resource = dict(entry["resource"])
        if resource["resourceType"] != "Observation":
            continue
        for key in ("id", "subject"):
            resource.pop(key)
        found.append(json.dumps(resource, sort_keys=True))
    return sorted(found)


def test_a_child_exported_and_imported_keeps_its_clinical_data(
    rich_child: Person, ped_a: Any, ped_b: Any
) -> None:
    exported = everything(ped_a, rich_child)
    assert not Person.objects.filter(practice__code="DEMO-B").exists()

    response = personas.api_client_for(ped_b).post(
        "/api/v1/fhir/",
        json.dumps(as_transaction(exported, "B-77")),
        content_type="application/fhir+json",
    )

    assert response.status_code == 200, response.content
    answer = json.loads(response.content)
    assert {e["response"]["status"] for e in answer["entry"]} == {"201 Created"}
    received = Person.objects.get(practice__code="DEMO-B")
    assert received.practice_patient_number == "B-77"
    assert received.pseudonym != rich_child.pseudonym
    original = clinical_data(rich_child)
    assert original["genetic"]  # the comparison below compares something
    assert original["results"]
    assert original["family_history"] == ["parent_high_cholesterol"]
    assert original["current_assessment"]["eas2026"][0] == "definite"
    assert clinical_data(received) == original
    assert observations(everything(ped_b, received)) == observations(exported)
