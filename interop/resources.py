"""Registry rows as FHIR R4 resources, as plain JSON dicts.

No queries here: the callers read the rows (queries.py) and hand them in. The
dicts are the resources' JSON; `validated()` checks one with `fhir.resources`.
The same dicts serve a person's `$everything` Bundle (each validated) and the
bulk export (written as they are, validated in the tests and on request):
building a pydantic model per resource costs more than the whole bulk export
budget (benchmarks/fhir.py measures both).

`Naming` decides the ids: pseudonyms and row ids for a practice's own users,
fresh study ids in a research export (no pseudonym and no row id leaves).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any

from django.utils import translation
from fhir.resources.R4B import get_fhir_model_class

from interop import codes
from interop.rows import (
    AssessmentRow,
    FindingRow,
    GeneticRow,
    LabRow,
    PersonRow,
    RegisteredRelative,
)
from screening import rules
from screening.models import GeneticFinding, Outcome

Resource = dict[str, Any]


@dataclass
class Naming:
    """Resource ids: `patient(person_id)` and `of(kind, row_id)`.

    `research`: a bulk export for a data integration centre: birth dates are
    generalised to the year and lab sample ids stay home.
    """

    patient: Callable[[int], str]
    of: Callable[[str, int], str] = field(default=lambda kind, pk: f"{kind}-{pk}")
    research: bool = False


def pseudonym_naming(pseudonyms: dict[int, str]) -> Naming:
    """Ids for the practice's own users: Patient.id is the pseudonym."""
    return Naming(patient=pseudonyms.__getitem__)


def validated(resource: Resource) -> Resource:
    """The resource, checked by its `fhir.resources` R4B model (raises on error)."""
    model = get_fhir_model_class(resource["resourceType"])
    model.model_validate(resource)
    return resource


def number(value: Decimal) -> int | float:
    """A decimal as JSON writes it, as entered: 5.3000 stored reads 5.3."""
    normal = value.normalize()
    if normal == normal.to_integral_value():
        return int(normal)
    return float(normal)


def _coding(system: str, code: str, display: str = "") -> dict[str, str]:
    coding = {"system": system, "code": code}
    if display:
        coding["display"] = display
    return coding


def _patient_ref(naming: Naming, person_id: int) -> dict[str, str]:
    return {"reference": f"Patient/{naming.patient(person_id)}"}


# --- Patient ------------------------------------------------------------------------


def patient(person: PersonRow, naming: Naming) -> Resource:
    """Sex and birth date only: never a name, address, contact or patient number."""
    resource: Resource = {
        "resourceType": "Patient",
        "id": naming.patient(person.pk),
        "gender": "female" if person.sex == "F" else "male",
        "birthDate": str(person.birth_date.year)
        if naming.research
        else person.birth_date.isoformat(),
    }
    if person.deceased:
        resource["deceasedBoolean"] = True
    return resource


# --- Lipid Observations -------------------------------------------------------------


def _specimen(result: LabRow, naming: Naming) -> Resource:
    """The sample as a contained Specimen: type, collection date, fasting."""
    collection: Resource = {"collectedDateTime": result.sample_date.isoformat()}
    if result.fasting is not None:
        collection["fastingStatusCodeableConcept"] = {
            "coding": [
                _coding(codes.V2_0916_FASTING, codes.FASTING_CODE[result.fasting])
            ]
        }
    specimen: Resource = {
        "resourceType": "Specimen",
        "id": "sample",
        "type": {
            "coding": [
                _coding(
                    codes.SNOMED,
                    codes.SAMPLE_TYPE_SNOMED[result.sample_type],
                    codes.SAMPLE_TYPE_DISPLAY[result.sample_type],
                )
            ]
        },
        "collection": collection,
    }
    if result.lab_sample_id and not naming.research:
        specimen["accessionIdentifier"] = {"value": result.lab_sample_id}
    return specimen


def lab_values(result: LabRow) -> list[tuple[codes.Analyte, Decimal, str]]:
    """The result's values as entered, each with its analyte and unit."""
    values: list[tuple[codes.Analyte, Decimal, str]] = []
    for analyte in (
        codes.TOTAL_CHOLESTEROL,
        codes.HDL_CHOLESTEROL,
        codes.LDL_BY_METHOD.get(result.ldl_method, codes.LDL_UNSTATED),
        codes.TRIGLYCERIDES,
        codes.NON_HDL_CHOLESTEROL,
    ):
        value = getattr(result, f"{analyte.field}_entered")
        if value is not None:
            values.append((analyte, value, result.entered_unit))
    if result.lipoprotein_a is not None and result.lipoprotein_a_unit:
        values.append(
            (codes.LIPOPROTEIN_A, result.lipoprotein_a, result.lipoprotein_a_unit)
        )
    return values


def analyte_key(analyte: codes.Analyte) -> str:
    return analyte.mass_code.replace("-", "")


def lipid_observations(result: LabRow, naming: Naming) -> list[Resource]:
    """One Observation per value, in its unit as entered, coded by LOINC: first
    the code the exchange contract names for the analyte (the mass code), and
    for a value in mmol/L or nmol/L also the molar code of DOMAIN §4, so that a
    receiver reading either finds it."""
    specimen = _specimen(result, naming)
    result_id = naming.of("labresult", result.pk)
    subject = _patient_ref(naming, result.person_id)
    sample_date = result.sample_date.isoformat()
    observations = []
    for analyte, value, unit in lab_values(result):
        coding = [_coding(codes.LOINC, analyte.mass_code, analyte.display)]
        if unit != codes.MG_DL:
            coding.append(_coding(codes.LOINC, analyte.molar_code, analyte.display))
        observation: Resource = {
            "resourceType": "Observation",
            "id": f"{result_id}-{analyte_key(analyte)}",
            "contained": [specimen],
            "status": "final",
            "category": [
                {
                    "coding": [
                        _coding(codes.OBSERVATION_CATEGORY, "laboratory", "Laboratory")
                    ]
                }
            ],
            "code": {"coding": coding},
            "subject": subject,
            "effectiveDateTime": sample_date,
            "valueQuantity": {
                "value": number(value),
                "unit": unit,
                "system": codes.UCUM,
                "code": unit,
            },
            "specimen": {"reference": "#sample"},
        }
        observations.append(observation)
    return observations


# --- RiskAssessment -----------------------------------------------------------------


def risk_assessment(
    assessment: AssessmentRow,
    basis: list[Resource],
    naming: Naming,
    *,
    lang: str = "en",
) -> Resource:
    """An Assessment: rule set (id, version) as the method, the outcome as the
    prediction, criterion and alerts as extensions, the assessed sample's
    Observations (`basis`) as basis and the reasons (in `lang`) as notes."""
    extensions = []
    if assessment.criterion:
        extensions.append(
            {"url": codes.CRITERION_EXTENSION, "valueCode": assessment.criterion}
        )
    extensions += [
        {"url": codes.ALERT_EXTENSION, "valueCode": alert}
        for alert in assessment.alerts
    ]
    resource: Resource = {
        "resourceType": "RiskAssessment",
        "id": naming.of("assessment", assessment.pk),
        "status": "final",
        "subject": _patient_ref(naming, assessment.person_id),
        "occurrenceDateTime": assessment.created_at.isoformat(),
        "method": {
            "coding": [
                {
                    "system": codes.RULESET_SYSTEM,
                    "version": assessment.ruleset_version,
                    "code": assessment.ruleset_id,
                }
            ]
        },
        "code": {"text": "Familial hypercholesterolaemia screening"},
        "basis": [
            {"reference": f"Observation/{observation['id']}"} for observation in basis
        ],
        "prediction": [
            {
                "outcome": {
                    "coding": [
                        _coding(
                            codes.OUTCOME_SYSTEM,
                            assessment.outcome,
                            _english_label(Outcome, assessment.outcome),
                        )
                    ]
                }
            }
        ],
    }
    if extensions:
        resource["extension"] = extensions
    reasons = rules.render_stored(
        assessment.reason_codes, "de" if lang.startswith("de") else "en"
    )
    if reasons:
        resource["note"] = [{"text": reason} for reason in reasons]
    return resource


@cache
def _english_label(choices: Any, value: str) -> str:
    with translation.override("en"):
        return str(dict(choices.choices).get(value, value))


# --- Condition ----------------------------------------------------------------------


def fh_condition(
    person_id: int, episode_id: int, closed_on: date, naming: Naming
) -> Resource:
    """Confirmed FH, from a care episode closed with that outcome."""
    return {
        "resourceType": "Condition",
        "id": naming.of("condition", episode_id),
        "clinicalStatus": {"coding": [_coding(codes.CONDITION_CLINICAL, "active")]},
        "verificationStatus": {
            "coding": [_coding(codes.CONDITION_VERIFICATION, "confirmed")]
        },
        "category": [
            {"coding": [_coding(codes.CONDITION_CATEGORY, "problem-list-item")]}
        ],
        "code": {
            "coding": [
                _coding(codes.SNOMED, codes.FH_SNOMED, "Familial hypercholesterolemia"),
                _coding(
                    codes.ICD10_GM, codes.FH_ICD10_GM, "Reine Hypercholesterinämie"
                ),
            ]
        },
        "subject": _patient_ref(naming, person_id),
        "recordedDate": closed_on.isoformat(),
    }


# --- Genetic result -----------------------------------------------------------------


def _component(code: str, display: str, value: Resource) -> Resource:
    return {"code": {"coding": [_coding(codes.LOINC, code, display)]}, **value}


def genetic_observation(result: GeneticRow, naming: Naming) -> Resource:
    """A variant per the HL7 genomics reporting IG's variant profile: gene (HGNC),
    HGVS c./p. on the transcript, ACMG class; a family test that did not find the
    variant reads "absent" for the variant looked for."""
    gene_coding = {"system": codes.HGNC, "display": result.gene}
    if result.gene in codes.HGNC_IDS:
        gene_coding["code"] = codes.HGNC_IDS[result.gene]
    components = [
        _component(
            codes.GENE_STUDIED,
            "Gene studied [ID]",
            {"valueCodeableConcept": {"coding": [gene_coding]}},
        ),
        _component(
            codes.DNA_CHANGE_HGVS,
            "DNA change (c.HGVS)",
            {"valueCodeableConcept": {"coding": [_coding(codes.HGVS, result.hgvs_c)]}},
        ),
    ]
    if result.hgvs_p:
        components.append(
            _component(
                codes.AMINO_ACID_CHANGE_HGVS,
                "Amino acid change (pHGVS)",
                {
                    "valueCodeableConcept": {
                        "coding": [_coding(codes.HGVS, result.hgvs_p)]
                    }
                },
            )
        )
    if result.transcript:
        components.append(
            _component(
                codes.TRANSCRIPT_REFERENCE,
                "Transcript reference sequence [ID]",
                {"valueString": result.transcript},
            )
        )
    if result.acmg_class:
        answer, display = codes.ACMG_LOINC[result.acmg_class]
        components.append(
            _component(
                codes.CLINICAL_SIGNIFICANCE,
                "Genetic variation clinical significance [Imp]",
                {
                    "valueCodeableConcept": {
                        "coding": [_coding(codes.LOINC, answer, display)]
                    }
                },
            )
        )
    found = result.finding == GeneticFinding.CARRIER
    answer = codes.VARIANT_PRESENT if found else codes.VARIANT_ABSENT
    return {
        "resourceType": "Observation",
        "id": naming.of("geneticresult", result.pk),
        "meta": {"profile": [codes.GENOMICS_VARIANT_PROFILE]},
        "status": "final",
        "category": [{"coding": [_coding(codes.OBSERVATION_CATEGORY, "laboratory")]}],
        "code": {
            "coding": [
                _coding(
                    codes.LOINC,
                    codes.GENETIC_VARIANT_ASSESSMENT,
                    "Genetic variant assessment",
                )
            ]
        },
        "subject": _patient_ref(naming, result.person_id),
        "effectiveDateTime": result.report_date.isoformat(),
        "issued": f"{result.report_date.isoformat()}T00:00:00+00:00",
        "performer": [{"display": result.lab}],
        "valueCodeableConcept": {
            "coding": [_coding(codes.LOINC, answer, "Present" if found else "Absent")]
        },
        "component": components,
    }


# --- FamilyMemberHistory ------------------------------------------------------------


def family_finding(entry: FindingRow, naming: Naming) -> Resource:
    """A structured family-history finding (the rule engine's codes)."""
    relationship, snomed, display = codes.FAMILY_FINDINGS[entry.code]
    condition_codings = [_coding(codes.FAMILY_FINDING_SYSTEM, entry.code, display)]
    if snomed:
        condition_codings.append(_coding(codes.SNOMED, snomed, display))
    return {
        "resourceType": "FamilyMemberHistory",
        "id": naming.of("familyhistory", entry.pk),
        "status": "completed",
        "patient": _patient_ref(naming, entry.person_id),
        "date": entry.recorded_on.isoformat(),
        "relationship": {
            "coding": [
                _coding(
                    codes.V3_ROLE_CODE,
                    relationship,
                    codes.RELATIONSHIP_DISPLAY[relationship],
                )
            ]
        },
        "condition": [{"code": {"coding": condition_codings}}],
    }


def relative_history(
    of_person_id: int, relative: RegisteredRelative, naming: Naming
) -> Resource:
    """A registered relative, linked to their own Patient."""
    person = relative.person
    resource: Resource = {
        "resourceType": "FamilyMemberHistory",
        "id": f"{naming.of('relative', of_person_id)}-{naming.patient(person.pk)}",
        "extension": [
            {
                "url": codes.PATIENT_RECORD_EXTENSION,
                "valueReference": _patient_ref(naming, person.pk),
            }
        ],
        "status": "completed",
        "patient": _patient_ref(naming, of_person_id),
        "relationship": {
            "coding": [
                _coding(
                    codes.V3_ROLE_CODE,
                    relative.relationship,
                    codes.RELATIONSHIP_DISPLAY[relative.relationship],
                )
            ]
        },
        "sex": {
            "coding": [
                _coding(
                    "http://hl7.org/fhir/administrative-gender",
                    "female" if person.sex == "F" else "male",
                )
            ]
        },
        "bornString": str(person.birth_date.year),
    }
    if person.deceased:
        resource["deceasedBoolean"] = True
    if relative.affected:
        resource["condition"] = [
            {
                "code": {
                    "coding": [
                        _coding(
                            codes.SNOMED,
                            codes.FH_SNOMED,
                            "Familial hypercholesterolemia",
                        )
                    ]
                }
            }
        ]
    return resource


def bundle_of(
    resources: Iterable[Resource], *, base: str, kind: str = "searchset"
) -> Resource:
    """A Bundle of `resources`, each entry's full URL under `base` (ends in /)."""
    entries = [
        {"fullUrl": f"{base}{r['resourceType']}/{r['id']}", "resource": r}
        for r in resources
    ]
    bundle: Resource = {"resourceType": "Bundle", "type": kind, "entry": entries}
    if kind == "searchset":
        bundle["total"] = len(entries)
    return bundle
