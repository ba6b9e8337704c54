"""POST /api/v1/fhir/: transaction and batch Bundles of lab Observations, in the
shape lab systems send them, stored through the lab-file pipeline."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal
from typing import Any

import pytest

from followup.models import CareEpisode
from screening.models import (
    Assessment,
    ImportBatch,
    LabResult,
    Person,
    PersonIdentity,
)
from tests import personas
from tests.interop.conftest import days_ago

pytestmark = pytest.mark.django_db

UCUM = "http://unitsofmeasure.org"
SAMPLE_DAY = days_ago(3)


def urn() -> str:
    return f"urn:uuid:{uuid.uuid4()}"


def lab_patient(full_url: str, number: str = "P-2001", **changes: Any) -> dict:
    """A Patient as a lab system sends it: with a name and its own ids."""
    resource = {
        "resourceType": "Patient",
        "meta": {"lastUpdated": "2026-01-12T08:31:00+01:00"},
        "identifier": [
            {
                "type": {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/v2-0203",
                            "code": "MR",
                        }
                    ]
                },
                "system": "urn:oid:1.2.276.0.76.4.8",
                "value": number,
            },
            {"system": "urn:lab:order-patient", "value": "LX-99812"},
        ],
        "name": [{"family": "Maier", "given": ["Lena"]}],
        "gender": "female",
        "birthDate": "2015-07-19",
    } | changes
    return {
        "fullUrl": full_url,
        "resource": resource,
        "request": {"method": "POST", "url": "Patient"},
    }


def lab_specimen(full_url: str, accession: str = "L-7001", fasting: str = "F") -> dict:
    return {
        "fullUrl": full_url,
        "resource": {
            "resourceType": "Specimen",
            "accessionIdentifier": {"system": "urn:lab:accession", "value": accession},
            "type": {
                "coding": [
                    {
                        "system": "http://snomed.info/sct",
                        "code": "122555007",
                        "display": "Venous blood specimen",
                    }
                ]
            },
            "collection": {
                "collectedDateTime": f"{SAMPLE_DAY}T07:45:00+01:00",
                "fastingStatusCodeableConcept": {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/v2-0916",
                            "code": fasting,
                        }
                    ]
                },
            },
        },
        "request": {"method": "POST", "url": "Specimen"},
    }


def lab_value(
    loinc: str,
    value: Any,
    unit: str,
    *,
    subject: dict[str, Any],
    specimen: str,
    **changes: Any,
) -> dict:
    resource = {
        "resourceType": "Observation",
        "meta": {
            "profile": [
                "https://www.medizininformatik-initiative.de/fhir/core/modul-labor/"
                "StructureDefinition/ObservationLab"
            ]
        },
        "identifier": [{"system": "urn:lab:result", "value": f"R-{uuid.uuid4()}"}],
        "status": "final",
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/"
                        "observation-category",
                        "code": "laboratory",
                    }
                ]
            }
        ],
        "code": {"coding": [{"system": "http://loinc.org", "code": loinc}]},
        "subject": subject,
        "effectiveDateTime": f"{SAMPLE_DAY}T07:45:00+01:00",
        "issued": f"{SAMPLE_DAY}T11:02:00+01:00",
        "valueQuantity": {"value": value, "unit": unit, "system": UCUM, "code": unit},
        "specimen": {"reference": specimen},
    } | changes
    return {
        "fullUrl": urn(),
        "resource": resource,
        "request": {"method": "POST", "url": "Observation"},
    }


def lab_message(
    kind: str = "transaction",
    number: str = "P-2001",
    values: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A new child's venous fasting panel in mg/dL: TC, HDL-C, LDL-C direct, TG
    (entries 2-5 after the Patient and the Specimen)."""
    patient, specimen = urn(), urn()
    panel = {"2093-3": 260, "2085-9": 48, "18262-6": 190, "2571-8": 80} | (values or {})
    return {
        "resourceType": "Bundle",
        "type": kind,
        "meta": {"lastUpdated": "2026-01-12T11:05:00+01:00"},
        "identifier": {"system": "urn:lab:message", "value": str(uuid.uuid4())},
        "entry": [
            lab_patient(patient, number),
            lab_specimen(specimen),
            *[
                lab_value(
                    loinc,
                    value,
                    "mg/dL",
                    subject={"reference": patient},
                    specimen=specimen,
                )
                for loinc, value in panel.items()
            ],
        ],
    }


def post(user: Any, bundle: dict[str, Any], query: str = "") -> tuple[int, dict]:
    response = personas.api_client_for(user).post(
        f"/api/v1/fhir/{query}",
        json.dumps(bundle),
        content_type="application/fhir+json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response["Content-Type"] == "application/fhir+json"
    return response.status_code, json.loads(response.content)


def expressions(outcome: dict[str, Any]) -> dict[str, list[str]]:
    """The codes of the errors, by the entry expression they name."""
    found: dict[str, list[str]] = {}
    for issue in outcome["issue"]:
        if issue["severity"] != "error":
            continue
        for expression in issue.get("expression", []):
            found.setdefault(expression.split(".resource")[0], []).append(issue["code"])
    return found


def test_a_lab_message_registers_the_child_and_stores_the_panel(ped_a: Any) -> None:
    status, answer = post(ped_a, lab_message())

    assert status == 200
    assert answer["type"] == "transaction-response"
    statuses = [e["response"]["status"] for e in answer["entry"]]
    assert statuses == ["201 Created", "200 OK", *["201 Created"] * 4]
    child = Person.objects.get(practice_patient_number="P-2001")
    assert answer["entry"][0]["response"]["location"] == f"Patient/{child.pseudonym}"
    # The lab's name of the child is not taken: the practice records identities.
    assert not PersonIdentity.objects.filter(person=child).exists()
    assert (child.sex, str(child.birth_date)) == ("F", "2015-07-19")
    result = LabResult.objects.get(person=child)
    assert (
        result.sample_date,
        result.sample_type,
        result.fasting,
        result.lab_sample_id,
        result.entered_unit,
        result.ldl_method,
        result.source,
    ) == (SAMPLE_DAY, "venous", True, "L-7001", "mg/dL", "direct", "import")
    assert result.ldl_cholesterol_entered == 190
    locations = {e["response"].get("location") for e in answer["entry"][2:]}
    assert f"Observation/labresult-{result.pk}-182626" in locations
    # Recorded as any lab file is: a batch by the sender, with its hash.
    batch = ImportBatch.objects.get()
    assert (batch.uploaded_by, batch.status, batch.rows_imported) == (
        ped_a,
        "completed",
        1,
    )
    # Assessed, and the positive result opened follow-up, as for any capture.
    # EAS 2026 A: LDL-C 190 mg/dL (4.91 mmol/L) > 4.5 mmol/L.
    assessment = Assessment.objects.get(person=child, ruleset_id="eas2026")
    assert (assessment.outcome, assessment.criterion) == ("positive", "A")
    assert CareEpisode.objects.filter(person=child).exists()


def test_a_transaction_with_bad_entries_stores_nothing_and_names_each(
    ped_a: Any,
) -> None:
    bundle = lab_message(values={"2093-3": 100})  # LDL-C 190 > TC 100: implausible
    patient_url = bundle["entry"][0]["fullUrl"]
    specimen_url = bundle["entry"][1]["fullUrl"]
    subject = {"reference": patient_url}
    bundle["entry"] += [
        # 6: a LOINC code the registry does not take (glucose)
        lab_value("2345-7", 90, "mg/dL", subject=subject, specimen=specimen_url),
        # 7: HDL-C in g/L, not mg/dL or mmol/L
        lab_value("2085-9", 0.5, "g/L", subject=subject, specimen=specimen_url),
    ]

    status, outcome = post(ped_a, bundle)

    assert status == 400
    assert outcome["resourceType"] == "OperationOutcome"
    named = expressions(outcome)
    assert named["Bundle.entry[6]"] == ["code-invalid"]
    assert named["Bundle.entry[7]"] == ["value"]
    # The implausible panel: LDL-C above TC, named at the LDL-C entry.
    assert "business-rule" in named["Bundle.entry[4]"]
    diagnostics = " ".join(i["diagnostics"] for i in outcome["issue"])
    assert "Unknown LOINC code 2345-7" in diagnostics
    assert "Unit g/L refused" in diagnostics
    assert not Person.objects.filter(practice_patient_number="P-2001").exists()
    assert not LabResult.objects.exists()
    assert not ImportBatch.objects.exists()
    assert not CareEpisode.objects.exists()


def test_a_good_transaction_after_a_refused_one_is_stored(ped_a: Any) -> None:
    bad = lab_message(values={"2093-3": 100})
    assert post(ped_a, bad)[0] == 400

    status, _answer = post(ped_a, lab_message())

    assert status == 200
    assert LabResult.objects.count() == 1


def test_a_batch_stores_the_good_samples_and_answers_each_entry(
    ped_a: Any, child_a: Person
) -> None:
    bundle = lab_message(kind="batch")
    other_specimen = urn()
    bundle["entry"] += [
        lab_specimen(other_specimen, accession="L-7002"),
        # 7, 8: Anna's sample, implausible (HDL-C above TC)
        lab_value(
            "2093-3",
            150,
            "mg/dL",
            subject={"reference": f"Patient/{child_a.pseudonym}"},
            specimen=other_specimen,
        ),
        lab_value(
            "2085-9",
            160,
            "mg/dL",
            subject={"reference": f"Patient/{child_a.pseudonym}"},
            specimen=other_specimen,
        ),
        # 9: a DiagnosticReport as lab messages carry: context only
        {
            "resource": {
                "resourceType": "DiagnosticReport",
                "status": "final",
                "code": {"coding": [{"system": "http://loinc.org", "code": "57698-3"}]},
            },
            "request": {"method": "POST", "url": "DiagnosticReport"},
        },
        # 10: unknown patient
        lab_value(
            "2093-3",
            150,
            "mg/dL",
            subject={"reference": "Patient/FH-NOSUCHONE"},
            specimen=other_specimen,
        ),
    ]

    status, answer = post(ped_a, bundle)

    assert status == 200
    assert answer["type"] == "batch-response"
    statuses = [e["response"]["status"] for e in answer["entry"]]
    assert statuses == [
        "201 Created",  # the new child
        "200 OK",  # her specimen
        *["201 Created"] * 4,  # her panel
        "200 OK",  # Anna's specimen
        "400 Bad Request",
        "400 Bad Request",
        "200 OK",  # the report: read as context
        "400 Bad Request",
    ]
    for index in (7, 8, 10):
        outcome = answer["entry"][index]["response"]["outcome"]
        assert outcome["resourceType"] == "OperationOutcome"
        assert all(
            e.startswith(f"Bundle.entry[{index}]")
            for issue in outcome["issue"]
            for e in issue["expression"]
        )
    unknown = answer["entry"][10]["response"]["outcome"]["issue"][0]
    assert unknown["code"] == "not-found"
    assert LabResult.objects.filter(person__practice_patient_number="P-2001").count()
    assert not LabResult.objects.filter(person=child_a).exists()


@pytest.mark.parametrize(
    "status", ["preliminary", "registered", "cancelled", "entered-in-error", "unknown"]
)
def test_only_final_results_are_stored(ped_a: Any, status: str) -> None:
    transaction = lab_message()
    transaction["entry"][4]["resource"]["status"] = status  # LDL-C

    refused, outcome = post(ped_a, transaction)

    assert refused == 400
    assert expressions(outcome)["Bundle.entry[4]"] == ["business-rule"]
    assert f"Observation status {status}" in outcome["issue"][0]["diagnostics"]
    assert not LabResult.objects.exists()

    batch = lab_message(kind="batch", number="P-2002")
    batch["entry"][4]["resource"]["status"] = status
    done, answer = post(ped_a, batch)
    assert done == 200
    statuses = [e["response"]["status"] for e in answer["entry"]]
    assert statuses == [
        "201 Created",  # the child
        "200 OK",  # the specimen
        "201 Created",
        "201 Created",
        "400 Bad Request",  # LDL-C, not final
        "201 Created",
    ]
    # The final values of the sample are stored, without the refused one.
    (stored,) = LabResult.objects.all()
    assert stored.ldl_cholesterol_entered is None
    assert stored.total_cholesterol_entered is not None


@pytest.mark.parametrize("status", ["amended", "corrected"])
def test_amended_and_corrected_results_are_stored(ped_a: Any, status: str) -> None:
    bundle = lab_message()
    for entry in bundle["entry"][2:]:
        entry["resource"]["status"] = status

    assert post(ped_a, bundle)[0] == 200
    assert LabResult.objects.count() == 1


def test_a_known_child_is_named_by_pseudonym_or_patient_number(
    ped_a: Any, child_a: Person
) -> None:
    specimen = urn()
    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            lab_specimen(specimen, fasting="NF"),
            lab_value(
                "14647-2",
                "4.2",
                "mmol/L",
                subject={"reference": f"Patient/{child_a.pseudonym}"},
                specimen=specimen,
            ),
            lab_value(
                "13457-7",
                2.4,
                "mmol/L",
                subject={"identifier": {"value": "A-1"}},
                specimen=specimen,
            ),
        ],
    }

    status, _answer = post(ped_a, bundle)

    assert status == 200
    result = LabResult.objects.get(person=child_a)
    assert (result.entered_unit, result.fasting, result.ldl_method) == (
        "mmol/L",
        False,
        "calculated",
    )
    assert (result.total_cholesterol_entered, result.ldl_cholesterol_entered) == (
        Decimal("4.2"),
        Decimal("2.4"),
    )


def test_another_practices_child_is_not_found(ped_a: Any, child_b: Person) -> None:
    specimen = urn()
    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            lab_specimen(specimen),
            lab_value(
                "2093-3",
                200,
                "mg/dL",
                subject={"reference": f"Patient/{child_b.pseudonym}"},
                specimen=specimen,
            ),
        ],
    }

    status, outcome = post(ped_a, bundle)

    assert status == 400
    assert expressions(outcome) == {"Bundle.entry[1]": ["not-found"]}
    assert not LabResult.objects.exists()


def test_the_same_message_twice_is_stored_once(ped_a: Any) -> None:
    bundle = lab_message()
    assert post(ped_a, bundle)[0] == 200

    status, answer = post(ped_a, bundle)

    assert status == 200
    assert LabResult.objects.count() == 1
    issue = answer["entry"][2]["response"]["outcome"]["issue"][0]
    assert (issue["severity"], issue["code"]) == ("information", "duplicate")


def test_non_hdl_follows_from_tc_and_hdl_and_is_refused_alone(ped_a: Any) -> None:
    with_parts = lab_message(values={"43396-1": 197})
    alone = lab_message(number="P-2002")
    alone["entry"] = [e for e in alone["entry"] if "2085-9" not in json.dumps(e)]
    alone["entry"].append(
        lab_value(
            "43396-1",
            197,
            "mg/dL",
            subject={"reference": alone["entry"][0]["fullUrl"]},
            specimen=alone["entry"][1]["fullUrl"],
        )
    )

    status, answer = post(ped_a, with_parts)
    refused_status, refused = post(ped_a, alone)

    assert status == 200
    issue = answer["entry"][6]["response"]["outcome"]["issue"][0]
    assert issue["severity"] == "information"
    assert refused_status == 400
    assert expressions(refused) == {"Bundle.entry[5]": ["business-rule"]}


def test_lpa_is_taken_in_mg_dl_and_mixed_units_are_refused(ped_a: Any) -> None:
    bundle = lab_message()
    patient, specimen = bundle["entry"][0]["fullUrl"], bundle["entry"][1]["fullUrl"]
    subject = {"reference": patient}
    bundle["entry"] += [
        lab_value("43583-4", 75, "nmol/L", subject=subject, specimen=specimen),
        lab_value("14646-4", 1.2, "mmol/L", subject=subject, specimen=specimen),
    ]

    status, outcome = post(ped_a, bundle)

    assert status == 400
    assert expressions(outcome) == {
        "Bundle.entry[6]": ["value"],
        "Bundle.entry[7]": ["duplicate"],  # HDL-C twice in one sample
    }


def test_what_is_not_a_bundle_of_lab_results_is_refused(ped_a: Any) -> None:
    status, outcome = post(ped_a, {"resourceType": "Bundle", "type": "collection"})
    assert status == 400
    assert outcome["issue"][0]["code"] == "not-supported"

    bundle = lab_message()
    bundle["entry"].append(
        {
            "resource": {
                "resourceType": "MedicationRequest",
                "status": "active",
                "intent": "order",
                "subject": {"reference": "Patient/x"},
                "medicationCodeableConcept": {"text": "Atorvastatin"},
            }
        }
    )
    status, outcome = post(ped_a, bundle)
    assert status == 400
    assert expressions(outcome) == {"Bundle.entry[6]": ["not-supported"]}

    bundle = lab_message()
    bundle["entry"][3]["resource"]["valueQuantity"]["value"] = "high"
    status, outcome = post(ped_a, bundle)
    assert status == 400
    assert expressions(outcome) == {"Bundle.entry[3]": ["structure"]}
    assert not LabResult.objects.exists()


def test_a_coordinator_names_the_practice(coord: Any) -> None:
    status, outcome = post(coord, lab_message())
    assert status == 400
    assert "?practice=CODE" in outcome["issue"][0]["diagnostics"]

    status, _answer = post(coord, lab_message(), "?practice=DEMO-A")
    assert status == 200
    assert Person.objects.get(practice_patient_number="P-2001").practice.code == (
        "DEMO-A"
    )


@pytest.mark.parametrize("role", ["epi", "admin"])
def test_who_imports_no_lab_files_finds_no_bundle_endpoint(
    role: str, cast: dict[str, Any]
) -> None:
    status, outcome = post(cast[role], lab_message(), "?practice=DEMO-A")

    assert status == 404
    assert outcome["issue"][0]["code"] == "not-found"
    assert not Person.objects.exists()


def test_a_lab_message_may_be_larger_than_a_form_post(ped_a: Any) -> None:
    """Django holds at most 2.5 MB of a body in memory; a lab message is read
    from the stream up to the lab-file limit."""
    bundle = lab_message()
    for entry in bundle["entry"][2:]:
        entry["resource"]["note"] = [{"text": "x" * 800_000}]
    assert len(json.dumps(bundle)) > 3_000_000

    status, _answer = post(ped_a, bundle)

    assert status == 200
    assert LabResult.objects.count() == 1


def test_a_bundle_beyond_the_lab_file_limit_is_refused(
    ped_a: Any, settings: Any
) -> None:
    settings.IMPORT_MAX_FILE_BYTES = 1000

    status, outcome = post(ped_a, lab_message())

    assert status == 413
    assert outcome["issue"][0]["code"] == "too-costly"
    assert not LabResult.objects.exists()


def test_a_body_that_is_not_json_is_refused(ped_a: Any) -> None:
    response = personas.api_client_for(ped_a).post(
        "/api/v1/fhir/", "{not json", content_type="application/fhir+json"
    )

    assert response.status_code == 400
    assert json.loads(response.content)["resourceType"] == "OperationOutcome"
