"""What a registry knows of a child, as plain JSON, to compare two registries:
read in the test database, or in another registry's database by

    manage.py shell -v 0 -c "from tests.interop.clinical_record import write_record
    write_record('B-77')"

Clinical data (the child, results as entered, genetic results, family findings,
the current assessment per rule set) is free of ids and authors; `registry`
says what else the registry holds around the child (persons, registered
parents, care episodes)."""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

from followup.models import CareEpisode
from interop import bundles, queries
from screening.models import (
    Assessment,
    FamilyHistoryEntry,
    GeneticResult,
    LabResult,
    Person,
)

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


def as_json(data: Any) -> Any:
    """`data` as it reads after a trip through JSON (dates and decimals as text)."""
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def clinical_data(person: Person) -> dict[str, Any]:
    results = LabResult.objects.filter(person=person).order_by("sample_date")
    # Oldest first, so the newest of each rule set is the one kept.
    current = {
        a.ruleset_id: (a.outcome, a.criterion, sorted(a.alerts), a.ldl_mmol_l)
        for a in Assessment.objects.filter(person=person)
        .newest_sample_first()
        .reverse()
    }
    return as_json(
        {
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
    )


def observations(bundle: dict[str, Any]) -> list[str]:
    """A Bundle's Observations without their ids and subject, comparable across
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


def record(person: Person) -> dict[str, Any]:
    """The child's clinical data, its Observations as the registry exports
    them, and what else the registry holds around the child."""
    exported = bundles.everything_bundle(
        queries.read_records([queries.person_row(person)])[0], base="", lang="en"
    )
    episodes = CareEpisode.objects.filter(person=person).order_by("opened_on", "pk")
    return {
        "clinical": clinical_data(person),
        "observations": observations(exported),
        "registry": {
            "persons": Person.objects.count(),
            "parents_registered": [
                person.mother_id is not None,
                person.father_id is not None,
            ],
            "care_episodes": [
                [episode.outcome, episode.closed_on is not None] for episode in episodes
            ],
        },
    }


def write_record(patient_number: str) -> None:
    """The record of the child with this practice patient number, as one line
    of JSON on standard output."""
    person = Person.objects.get(practice_patient_number=patient_number)
    sys.stdout.write(json.dumps(record(person)) + "\n")
