"""A person's $everything Bundle and the CapabilityStatement: every resource
valid by fhir.resources R4B, codes as DOMAIN §4 tables them, nothing that
identifies a person."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
from rest_framework.test import APIClient

from screening import services
from screening.models import Assessment, Person, ReadAccess
from tests import personas
from tests.interop.conftest import days_ago

pytestmark = pytest.mark.django_db


def everything(user: Any, person: Person, lang: str = "en") -> dict[str, Any]:
    response = personas.api_client_for(user).get(
        f"/api/v1/fhir/Patient/{person.pseudonym}/$everything",
        HTTP_ACCEPT_LANGUAGE=lang,
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/fhir+json"
    return json.loads(response.content)


def by_type(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind
    ]


def lipid_values(bundle: dict[str, Any]) -> set[tuple[str, Any, str, str]]:
    """(LOINC, value, unit, sample date) of every lipid Observation."""
    return {
        (
            o["code"]["coding"][0]["code"],
            o["valueQuantity"]["value"],
            o["valueQuantity"]["code"],
            o["effectiveDateTime"],
        )
        for o in by_type(bundle, "Observation")
        if "valueQuantity" in o
    }


def test_every_resource_of_everything_validates(rich_child: Person, ped_a: Any) -> None:
    bundle = everything(ped_a, rich_child)

    Bundle.model_validate(bundle)
    kinds = {e["resource"]["resourceType"] for e in bundle["entry"]}
    assert kinds == {
        "Patient",
        "Observation",
        "RiskAssessment",
        "Condition",
        "FamilyMemberHistory",
    }
    for entry in bundle["entry"]:
        resource = entry["resource"]
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
        assert entry["fullUrl"].endswith(
            f"/{resource['resourceType']}/{resource['id']}"
        )
    assert bundle["total"] == len(bundle["entry"])


def test_the_patient_is_its_pseudonym_sex_and_birth_date_only(
    rich_child: Person, ped_a: Any
) -> None:
    bundle = everything(ped_a, rich_child)

    [patient] = by_type(bundle, "Patient")
    assert patient == {
        "resourceType": "Patient",
        "id": rich_child.pseudonym,
        "gender": "female",
        "birthDate": "2016-03-01",
    }
    text = json.dumps(bundle)
    for identifying in ("Anna", "Huber", "Maria", "Josef", '"A-1"'):
        assert identifying not in text
    # The read is logged as any API read of the person.
    assert ReadAccess.objects.filter(person=rich_child, kind="api").count() == 1


def test_lipid_values_travel_as_entered_with_loinc_and_ucum(
    rich_child: Person, ped_a: Any
) -> None:
    bundle = everything(ped_a, rich_child)

    venous, capillary = days_ago(90).isoformat(), days_ago(30).isoformat()
    assert lipid_values(bundle) == {
        # The contract's code first, whatever the unit
        ("2093-3", 245, "mg/dL", venous),
        ("2085-9", 48, "mg/dL", venous),
        ("18262-6", 170.5, "mg/dL", venous),
        ("2571-8", 80, "mg/dL", venous),
        ("10835-7", 35, "mg/dL", venous),
        ("2093-3", 7.1, "mmol/L", capillary),
        ("2085-9", 1.3, "mmol/L", capillary),
        ("18262-6", 5.3, "mmol/L", capillary),
        ("2571-8", 1.1, "mmol/L", capillary),
    }
    # A molar value also carries its molar code (DOMAIN §4); a mass value not.
    codings = {
        (o["valueQuantity"]["unit"], tuple(c["code"] for c in o["code"]["coding"]))
        for o in by_type(bundle, "Observation")
        if o["code"]["coding"][0]["code"] in ("2093-3", "18262-6")
    }
    assert codings == {
        ("mg/dL", ("2093-3",)),
        ("mg/dL", ("18262-6",)),
        ("mmol/L", ("2093-3", "14647-2")),
        ("mmol/L", ("18262-6", "69419-0")),
    }
    observation = next(
        o
        for o in by_type(bundle, "Observation")
        if o["code"]["coding"][0]["code"] == "18262-6"
    )
    assert observation["valueQuantity"]["system"] == "http://unitsofmeasure.org"
    assert observation["code"]["coding"][0]["system"] == "http://loinc.org"
    assert observation["subject"] == {"reference": f"Patient/{rich_child.pseudonym}"}
    [specimen] = observation["contained"]
    assert observation["specimen"] == {"reference": "#sample"}
    assert specimen["type"]["coding"][0]["code"] == "122555007"  # venous blood
    assert specimen["accessionIdentifier"] == {"value": "L-0001"}
    fasting = specimen["collection"]["fastingStatusCodeableConcept"]["coding"][0]
    assert fasting["code"] == "F"


def test_confirmed_fh_is_a_condition_in_snomed_and_icd10gm(
    rich_child: Person, ped_a: Any
) -> None:
    [condition] = by_type(everything(ped_a, rich_child), "Condition")

    codings = {(c["system"], c["code"]) for c in condition["code"]["coding"]}
    assert codings == {
        ("http://snomed.info/sct", "398036000"),
        ("http://fhir.de/CodeSystem/bfarm/icd-10-gm", "E78.0"),
    }
    assert condition["verificationStatus"]["coding"][0]["code"] == "confirmed"
    assert condition["subject"] == {"reference": f"Patient/{rich_child.pseudonym}"}


def test_each_assessment_is_a_risk_assessment(rich_child: Person, ped_a: Any) -> None:
    bundle = everything(ped_a, rich_child)
    risk_assessments = by_type(bundle, "RiskAssessment")

    stored = list(Assessment.objects.filter(person=rich_child))
    assert len(risk_assessments) == len(stored)
    newest = max(stored, key=lambda a: (a.created_at, a.pk))
    [resource] = [r for r in risk_assessments if r["id"] == f"assessment-{newest.pk}"]
    assert resource["method"]["coding"][0] == {
        "system": "urn:fh-registry:ruleset",
        "version": newest.ruleset_version,
        "code": "eas2026",
    }
    assert resource["prediction"][0]["outcome"]["coding"][0]["code"] == "definite"
    extensions = {(e["url"], e["valueCode"]) for e in resource["extension"]}
    assert ("urn:fh-registry:extension:criterion", "genetic") in extensions
    assert [n["text"] for n in resource["note"]] == newest.reasons("en")
    # The reasons are written in the reader's language.
    german = by_type(everything(ped_a, rich_child, lang="de"), "RiskAssessment")
    [in_german] = [r for r in german if r["id"] == resource["id"]]
    assert [n["text"] for n in in_german["note"]] == newest.reasons("de")
    # The basis names the sample's Observations, which the Bundle holds.
    observation_ids = {o["id"] for o in by_type(bundle, "Observation")}
    basis = {b["reference"].removeprefix("Observation/") for b in resource["basis"]}
    assert len(basis) == 4  # TC, HDL-C, LDL-C, TG of the mmol/L sample
    assert basis <= observation_ids


def test_alerts_travel_with_the_assessment(child_a: Person, ped_a: Any) -> None:
    # LDL-C above 10 mmol/L raises hofh_suspected (DOMAIN §2).
    services.record_lab_result(
        acting_user=ped_a,
        person=child_a,
        entry=personas.lab_entry(
            total_cholesterol=Decimal("13.0"),
            hdl_cholesterol=Decimal("1.2"),
            ldl_cholesterol=Decimal("10.5"),
            triglycerides=Decimal("1.0"),
        ),
        confirm_extreme=True,
    )

    [resource] = by_type(everything(ped_a, child_a), "RiskAssessment")

    alerts = {
        e["valueCode"]
        for e in resource["extension"]
        if e["url"] == "urn:fh-registry:extension:alert"
    }
    assert "hofh_suspected" in alerts


def test_the_genetic_result_follows_the_genomics_reporting_variant(
    rich_child: Person, ped_a: Any
) -> None:
    [variant] = [
        o
        for o in by_type(everything(ped_a, rich_child), "Observation")
        if o["code"]["coding"][0]["code"] == "69548-6"
    ]

    assert variant["meta"]["profile"] == [
        "http://hl7.org/fhir/uv/genomics-reporting/StructureDefinition/variant"
    ]
    assert variant["valueCodeableConcept"]["coding"][0]["code"] == "LA9633-4"
    components = {
        c["code"]["coding"][0]["code"]: c.get("valueCodeableConcept", {}).get(
            "coding", [{}]
        )[0]
        | ({"string": c["valueString"]} if "valueString" in c else {})
        for c in variant["component"]
    }
    assert components["48018-6"]["code"] == "HGNC:6547"
    assert components["48018-6"]["display"] == "LDLR"
    assert components["48004-6"]["code"] == "c.1A>G"
    assert components["48005-3"]["code"] == "p.Met1?"
    assert components["51958-7"] == {"string": "NM_000527.5"}
    assert components["53037-8"]["code"] == "LA6668-3"  # pathogenic
    assert variant["performer"] == [{"display": "Labor Nord"}]


def test_relatives_and_family_findings_are_family_member_histories(
    rich_child: Person, ped_a: Any
) -> None:
    histories = by_type(everything(ped_a, rich_child), "FamilyMemberHistory")

    finding = [h for h in histories if "extension" not in h]
    assert [h["condition"][0]["code"]["coding"][0] for h in finding] == [
        {
            "system": "urn:fh-registry:family-history-finding",
            "code": "parent_high_cholesterol",
            "display": "Hypercholesterolemia",
        }
    ]
    registered = {
        h["relationship"]["coding"][0]["code"]: h for h in histories if "extension" in h
    }
    assert set(registered) == {"MTH", "FTH"}
    mother = Person.objects.get(pk=rich_child.mother_id or 0)
    assert registered["MTH"]["extension"][0]["valueReference"] == {
        "reference": f"Patient/{mother.pseudonym}"
    }
    assert registered["MTH"]["bornString"] == "1985"
    assert "condition" not in registered["MTH"]  # no finding of her own recorded


def test_non_hdl_entered_on_the_form_is_exported(child_a: Person, ped_a: Any) -> None:
    personas.record_result(ped_a, child_a, non_hdl_cholesterol=Decimal("2.8"))

    [non_hdl] = [
        [c["code"] for c in o["code"]["coding"]]
        for o in by_type(everything(ped_a, child_a), "Observation")
        if o["code"]["coding"][0]["code"] == "43396-1"
    ]
    assert non_hdl == ["43396-1", "70204-3"]  # the contract's code, then molar


def test_a_child_of_another_practice_is_not_found(
    child_b: Person, ped_a: Any, epi: Any
) -> None:
    for user in (ped_a, epi):
        response = personas.api_client_for(user).get(
            f"/api/v1/fhir/Patient/{child_b.pseudonym}/$everything"
        )
        assert response.status_code == 404
        outcome = json.loads(response.content)
        assert outcome["resourceType"] == "OperationOutcome"
        assert outcome["issue"][0]["code"] == "not-found"


def test_the_capability_statement_declares_fhir_4_0_1() -> None:
    response = APIClient().get("/api/v1/fhir/metadata")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/fhir+json"
    statement = json.loads(response.content)
    get_fhir_model_class("CapabilityStatement").model_validate(statement)
    assert statement["fhirVersion"] == "4.0.1"
    rest = statement["rest"][0]
    assert {i["code"] for i in rest["interaction"]} == {"transaction", "batch"}
    assert rest["operation"][0]["name"] == "export"
    patient = next(r for r in rest["resource"] if r["type"] == "Patient")
    assert patient["operation"][0]["name"] == "everything"
