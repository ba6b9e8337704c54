"""Reading persons' clinical records for FHIR: one person ($everything) or a
chunk of many (the bulk export), in a fixed number of queries per chunk."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Q, QuerySet

from followup.models import CareEpisode, EpisodeOutcome
from interop.resources import RegisteredRelative
from screening.models import (
    AcmgClass,
    Assessment,
    Consent,
    ConsentScope,
    FamilyHistoryEntry,
    GeneticFinding,
    GeneticResult,
    LabResult,
    Person,
)

_DIAGNOSTIC_CLASSES = (AcmgClass.PATHOGENIC, AcmgClass.LIKELY_PATHOGENIC)


@dataclass
class PersonRecord:
    """Everything FHIR tells of one person."""

    person: Person
    lab_results: list[LabResult] = field(default_factory=list)
    assessments: dict[int, list[Assessment]] = field(default_factory=dict)
    genetic_results: list[GeneticResult] = field(default_factory=list)
    family_history: list[FamilyHistoryEntry] = field(default_factory=list)
    # (episode id, closed on) of episodes closed as confirmed FH
    confirmed_fh: list[tuple[int, date]] = field(default_factory=list)
    relatives: list[RegisteredRelative] = field(default_factory=list)


def read_records(persons: Sequence[Person]) -> list[PersonRecord]:
    """The records of `persons` (already in the reader's scope), in their order."""
    records = {person.pk: PersonRecord(person) for person in persons}
    ids = list(records)
    for result in LabResult.objects.filter(person_id__in=ids).order_by(
        "person_id", "sample_date", "pk"
    ):
        records[result.person_id].lab_results.append(result)
    # `inputs` (what the rule engine read) is not exported.
    assessments = Assessment.objects.filter(person_id__in=ids).defer("inputs")
    for assessment in assessments.order_by("lab_result_id", "created_at", "pk"):
        records[assessment.person_id].assessments.setdefault(
            assessment.lab_result_id, []
        ).append(assessment)
    for genetic in GeneticResult.objects.filter(person_id__in=ids).order_by(
        "person_id", "report_date", "pk"
    ):
        records[genetic.person_id].genetic_results.append(genetic)
    for entry in FamilyHistoryEntry.objects.filter(person_id__in=ids).order_by(
        "person_id", "code"
    ):
        records[entry.person_id].family_history.append(entry)
    for pk, person_id, closed_on in CareEpisode.objects.filter(
        person_id__in=ids, outcome=EpisodeOutcome.CONFIRMED_FH
    ).values_list("pk", "person_id", "closed_on"):
        records[person_id].confirmed_fh.append((pk, closed_on))
    _add_relatives(records)
    return list(records.values())


def _add_relatives(records: dict[int, PersonRecord]) -> None:
    """First-degree relatives registered as persons: parents, (half-)siblings,
    children; whether each is affected (own P/LP variant or FH confirmed)."""
    parents = {
        pk: (r.person.mother_id, r.person.father_id) for pk, r in records.items()
    }
    parent_ids = {p for pair in parents.values() for p in pair if p is not None}
    # Parents, then everyone with a parent among the persons or their parents
    # (children and siblings): each query on its own index, not one OR-ed scan.
    linked = [*records, *parent_ids]
    found: dict[int, Person] = {}
    for lookup, keys in (
        ("pk__in", parent_ids),
        ("mother_id__in", linked),
        ("father_id__in", linked),
    ):
        if keys:
            found.update((p.pk, p) for p in Person.objects.filter(**{lookup: keys}))
    relatives = sorted(found.values(), key=lambda p: (p.birth_date, p.pk))
    affected = _affected({p.pk for p in relatives})
    for pk, record in records.items():
        mother, father = parents[pk]
        for relative in relatives:
            relationship = _relationship(pk, mother, father, relative)
            if relationship:
                record.relatives.append(
                    RegisteredRelative(relative, relationship, relative.pk in affected)
                )


def _relationship(
    pk: int, mother: int | None, father: int | None, other: Person
) -> str:
    by_link = {mother: "MTH", father: "FTH"}
    if other.pk in by_link and other.pk != pk:
        return by_link[other.pk]
    if pk in (other.mother_id, other.father_id):
        return "CHILD"
    shared = (mother is not None and other.mother_id == mother) + (
        father is not None and other.father_id == father
    )
    return {0: "", 1: "HSIB", 2: "SIB"}[shared] if other.pk != pk else ""


def _affected(person_ids: set[int]) -> set[int]:
    if not person_ids:
        return set()
    genetic = GeneticResult.objects.filter(
        person_id__in=person_ids,
        finding=GeneticFinding.CARRIER,
        acmg_class__in=_DIAGNOSTIC_CLASSES,
    ).values_list("person_id", flat=True)
    confirmed = CareEpisode.objects.filter(
        person_id__in=person_ids, outcome=EpisodeOutcome.CONFIRMED_FH
    ).values_list("person_id", flat=True)
    return set(genetic) | set(confirmed)


def withdrawn_person_ids(on: date) -> QuerySet[Consent, dict[str, Any]]:
    """Persons whose screening consent was withdrawn and none is in force."""
    screening = Consent.objects.filter(scope=ConsentScope.SCREENING)
    in_force = screening.in_force(on=on).values("person_id")
    return (
        screening.filter(withdrawn_on__lte=on)
        .exclude(person_id__in=in_force)
        .values("person_id")
    )


def export_cohort(
    persons: QuerySet[Person], *, today: date, since: date | None = None
) -> QuerySet[Person]:
    """The persons of a bulk export: not withdrawn; with `since`, those with a
    result, genetic result or family finding recorded on or after that day."""
    cohort = persons.exclude(pk__in=withdrawn_person_ids(today))
    if since is not None:
        changed = (
            Q(
                pk__in=LabResult.objects.filter(created_at__date__gte=since).values(
                    "person_id"
                )
            )
            | Q(
                pk__in=GeneticResult.objects.filter(created_at__date__gte=since).values(
                    "person_id"
                )
            )
            | Q(
                pk__in=FamilyHistoryEntry.objects.filter(recorded_on__gte=since).values(
                    "person_id"
                )
            )
            | Q(created_at__date__gte=since)
        )
        cohort = cohort.filter(changed)
    return cohort.order_by("pk")


def chunks(persons: QuerySet[Person], size: int) -> Iterator[list[Person]]:
    """The persons in chunks of `size`, by keyset (no OFFSET scans)."""
    last = 0
    while True:
        chunk = list(persons.filter(pk__gt=last).order_by("pk")[:size])
        if not chunk:
            return
        yield chunk
        last = chunk[-1].pk
