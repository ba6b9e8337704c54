"""A posted entry is checked where the registry reads it: element names, required
and choice elements by the fhir.resources R4B definitions, each element read by
its FHIR datatype; the first problem is named by its FHIRPath."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from interop import structure
from screening.models import LabResult
from tests.interop.test_bundles import expressions, lab_message, post

OBSERVATION: dict[str, Any] = {
    "resourceType": "Observation",
    "meta": {"profile": ["https://example.org/StructureDefinition/lab"]},
    "identifier": [{"system": "urn:lab:result", "value": "R-1"}],
    "status": "final",
    "code": {"coding": [{"system": "http://loinc.org", "code": "2093-3"}]},
    "subject": {"reference": "urn:uuid:0b5e3f44-98e2-4ad4-a83a-2a0cd6ad2d4c"},
    "effectiveDateTime": "2026-01-12T07:45:00+01:00",
    "valueQuantity": {
        "value": 240,
        "unit": "mg/dL",
        "system": "http://unitsofmeasure.org",
        "code": "mg/dL",
    },
    "contained": [
        {
            "resourceType": "Specimen",
            "id": "s",
            "type": {
                "coding": [{"system": "http://snomed.info/sct", "code": "122555007"}]
            },
        }
    ],
    "specimen": {"reference": "#s"},
}


def problem_of(resource: dict[str, Any]) -> tuple[str, str] | None:
    try:
        structure.check(resource)
    except structure.StructureProblem as problem:
        return problem.where, problem.message
    return None


def changed(**elements: Any) -> dict[str, Any]:
    resource = copy.deepcopy(OBSERVATION)
    for name, value in elements.items():
        if value is None:
            resource.pop(name, None)
        else:
            resource[name] = value
    return resource


def test_a_lab_observation_as_labs_send_it_passes() -> None:
    assert problem_of(OBSERVATION) is None


@pytest.mark.parametrize(
    ("elements", "problem"),
    [
        (
            {"effectiveDateTime": "2026-01-12T07:45:00"},
            (
                "effectiveDateTime",
                "Value error, DateTime value string does not match spec regex.",
            ),
        ),
        (
            {"valueQuantiy": {"value": 240}},
            ("valueQuantiy", "Extra inputs are not permitted"),
        ),
        ({"status": None}, ("status", "Value for the field 'status' is required.")),
        (
            {"valueString": "high"},
            ("value[x]", "Only one of these elements is allowed."),
        ),
        (
            {"subject": {"reference": ""}},
            ("subject.reference", "Input should be a non-empty string"),
        ),
        ({"component": {"code": {}}}, ("component", "Input should be a valid list")),
    ],
)
def test_the_first_problem_is_named_by_its_path(
    elements: dict[str, Any], problem: tuple[str, str]
) -> None:
    assert problem_of(changed(**elements)) == problem


def test_a_value_is_a_fhir_decimal_as_the_models_take_it() -> None:
    quantity = dict(OBSERVATION["valueQuantity"])

    assert problem_of(changed(valueQuantity=quantity | {"value": "240.5"})) is None
    assert problem_of(changed(valueQuantity=quantity | {"value": "high"})) == (
        "valueQuantity.value",
        "Value error, Decimal value string does not match spec regex.",
    )
    assert problem_of(changed(valueQuantity=quantity | {"value": True})) == (
        "valueQuantity.value",
        "Value error, Decimal value string does not match spec regex.",
    )


def test_a_contained_specimen_is_checked_as_a_specimen() -> None:
    specimen = copy.deepcopy(OBSERVATION["contained"][0])
    specimen["type"]["coding"][0]["code"] = "122555007 venous"
    specimen["collection"] = {"collectedDateTime": "12.01.2026"}

    assert problem_of(changed(contained=[specimen])) == (
        "contained[0].collection.collectedDateTime",
        "Value error, DateTime value string does not match spec regex.",
    )
    assert problem_of(changed(contained=[{"id": "s"}])) == (
        "contained[0].resourceType",
        "Input should name a FHIR resource type",
    )


def test_what_the_registry_does_not_read_is_not_checked() -> None:
    """A lab Patient's name and an Observation's meta are neither stored nor
    read; null reads as absent, as the fhir.resources models take it."""
    patient = {
        "resourceType": "Patient",
        "name": [{"family": 5}],
        "gender": "female",
        "birthDate": "2015-07-19",
    }

    assert problem_of(patient) is None
    assert problem_of(changed(meta={"profile": "not a list"}, issued=None)) is None
    assert problem_of(patient | {"birthDate": "19.07.2015"}) == (
        "birthDate",
        "Value error, Date value string does not match spec regex.",
    )


@pytest.mark.django_db
def test_a_refused_entry_names_the_element_in_its_expression(ped_a: Any) -> None:
    bundle = lab_message()
    bundle["entry"][3]["resource"]["effectiveDateTime"] = "2026-01-12T07:45"

    status, outcome = post(ped_a, bundle)

    assert status == 400
    assert expressions(outcome) == {"Bundle.entry[3]": ["structure"]}
    [issue] = [i for i in outcome["issue"] if i["severity"] == "error"]
    assert issue["expression"] == ["Bundle.entry[3].resource.effectiveDateTime"]
    assert issue["diagnostics"] == (
        "Not a valid FHIR R4 resource: effectiveDateTime: "
        "Value error, DateTime value string does not match spec regex."
    )
    assert not LabResult.objects.exists()
