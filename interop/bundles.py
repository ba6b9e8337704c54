"""A person's record as FHIR resources, grouped by resource type."""

from __future__ import annotations

from interop import resources
from interop.queries import PersonRecord
from interop.resources import Naming, Resource

#: The resource types the registry produces, in the order a Bundle lists them.
RESOURCE_TYPES = (
    "Patient",
    "Observation",
    "RiskAssessment",
    "Condition",
    "FamilyMemberHistory",
)


def record_resources(
    record: PersonRecord, naming: Naming, *, lang: str = "en"
) -> dict[str, list[Resource]]:
    """Every resource of one person's record, by resource type."""
    observations: list[Resource] = []
    assessments: list[Resource] = []
    for result in record.lab_results:
        lipids = resources.lipid_observations(result, naming)
        observations += lipids
        assessments += [
            resources.risk_assessment(assessment, lipids, naming, lang=lang)
            for assessment in record.assessments.get(result.pk, [])
        ]
    observations += [
        resources.genetic_observation(genetic, naming)
        for genetic in record.genetic_results
    ]
    person_id = record.person.pk
    return {
        "Patient": [resources.patient(record.person, naming)],
        "Observation": observations,
        "RiskAssessment": assessments,
        "Condition": [
            resources.fh_condition(person_id, episode_id, closed_on, naming)
            for episode_id, closed_on in record.confirmed_fh
        ],
        "FamilyMemberHistory": [
            resources.family_finding(entry, naming) for entry in record.family_history
        ]
        + [
            resources.relative_history(person_id, relative, naming)
            for relative in record.relatives
        ],
    }


def everything_bundle(record: PersonRecord, *, base: str, lang: str) -> Resource:
    """`Patient/{pseudonym}/$everything`: the Patient and every resource about
    them, each validated by `fhir.resources`; relatives by their pseudonyms."""
    pseudonyms = {record.person.pk: record.person.pseudonym} | {
        relative.person.pk: relative.person.pseudonym for relative in record.relatives
    }
    by_type = record_resources(
        record, resources.pseudonym_naming(pseudonyms), lang=lang
    )
    listed = [
        resources.validated(resource)
        for kind in RESOURCE_TYPES
        for resource in by_type[kind]
    ]
    return resources.validated(resources.bundle_of(listed, base=base))
