"""Reading persons' clinical records for FHIR: one person ($everything) or a
chunk of many (the bulk export), in a fixed number of queries per chunk.

Rows are read as named tuples (interop.rows) with `values_list`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple, TypeVar

from django.db.models import Q, QuerySet

from fh_registry.models import Practice, User
from followup.models import CareEpisode, EpisodeOutcome
from interop.rows import (
    AssessmentRow,
    FindingRow,
    GeneticRow,
    LabRow,
    PersonRow,
    RegisteredRelative,
)
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
_Row = TypeVar("_Row", bound=NamedTuple)


@dataclass
class PersonRecord:
    """Everything FHIR tells of one person."""

    person: PersonRow
    lab_results: list[LabRow] = field(default_factory=list)
    assessments: dict[int, list[AssessmentRow]] = field(default_factory=dict)
    genetic_results: list[GeneticRow] = field(default_factory=list)
    family_history: list[FindingRow] = field(default_factory=list)
    # (episode id, closed on) of episodes closed as confirmed FH
    confirmed_fh: list[tuple[int, date]] = field(default_factory=list)
    relatives: list[RegisteredRelative] = field(default_factory=list)


def rows(queryset: QuerySet[Any], row: type[_Row]) -> list[_Row]:
    """The queryset's rows as `row` tuples (its fields name the columns)."""
    return list(map(row._make, queryset.values_list(*row._fields)))


def person_rows(persons: QuerySet[Person]) -> list[PersonRow]:
    return rows(persons, PersonRow)


def person_row(person: Person) -> PersonRow:
    """A person already read, as a row."""
    return PersonRow._make(getattr(person, name) for name in PersonRow._fields)


def _of_persons(ids: Sequence[int], column: str = "person_id") -> Q:
    """Rows whose `column` names one of these persons (ids ascending). A dense
    run of ids, as a chunk of the bulk export mostly is, is read by range on
    the person index (the caller drops rows of persons in the range but not in
    the chunk): an IN list of thousands of ids costs more to build and to plan
    than the rows cost to read. A sparse set is read by its ids."""
    if ids and ids[-1] - ids[0] < 2 * len(ids):
        return Q(**{f"{column}__gte": ids[0], f"{column}__lte": ids[-1]})
    return Q(**{f"{column}__in": ids})


def read_records(persons: Sequence[PersonRow]) -> list[PersonRecord]:
    """The records of `persons` (already in the reader's scope), in their order."""
    records = {person.pk: PersonRecord(person) for person in persons}
    ids = sorted(records)
    for result in rows(
        LabResult.objects.filter(_of_persons(ids)).order_by(
            "person_id", "sample_date", "pk"
        ),
        LabRow,
    ):
        if result.person_id in records:
            records[result.person_id].lab_results.append(result)
    assessments = Assessment.objects.filter(_of_persons(ids))
    for assessment in rows(
        assessments.order_by("lab_result_id", "created_at", "pk"), AssessmentRow
    ):
        if assessment.person_id in records:
            records[assessment.person_id].assessments.setdefault(
                assessment.lab_result_id, []
            ).append(assessment)
    for genetic in rows(
        GeneticResult.objects.filter(_of_persons(ids)).order_by(
            "person_id", "report_date", "pk"
        ),
        GeneticRow,
    ):
        if genetic.person_id in records:
            records[genetic.person_id].genetic_results.append(genetic)
    for entry in rows(
        FamilyHistoryEntry.objects.filter(_of_persons(ids)).order_by(
            "person_id", "code"
        ),
        FindingRow,
    ):
        if entry.person_id in records:
            records[entry.person_id].family_history.append(entry)
    for pk, person_id, closed_on in CareEpisode.objects.filter(
        _of_persons(ids), outcome=EpisodeOutcome.CONFIRMED_FH
    ).values_list("pk", "person_id", "closed_on"):
        if person_id in records:
            records[person_id].confirmed_fh.append((pk, closed_on))
    _add_relatives(records)
    return list(records.values())


def _add_relatives(records: dict[int, PersonRecord]) -> None:
    """First-degree relatives registered as persons: parents, (half-)siblings,
    children; whether each is affected (own P/LP variant or FH confirmed)."""
    parents = {
        pk: (r.person.mother_id, r.person.father_id) for pk, r in records.items()
    }
    found = _linked_persons(records, parents)
    affected = _affected(set(found))
    by_mother = _grouped(found.values(), "mother_id")
    by_father = _grouped(found.values(), "father_id")
    for pk, record in records.items():
        mother, father = parents[pk]
        # Only these may be related: the parents, the person's children and
        # whoever shares a parent with them.
        candidates = by_mother.get(pk, []) + by_father.get(pk, [])
        candidates += [
            found[p] for p in (mother, father) if p is not None and p in found
        ]
        if mother is not None:
            candidates += by_mother.get(mother, [])
        if father is not None:
            candidates += by_father.get(father, [])
        unique = {p.pk: p for p in candidates}.values()
        for relative in sorted(unique, key=lambda p: (p.birth_date, p.pk)):
            relationship = _relationship(pk, mother, father, relative)
            if relationship:
                record.relatives.append(
                    RegisteredRelative(relative, relationship, relative.pk in affected)
                )


def _linked_persons(
    records: dict[int, PersonRecord], parents: dict[int, tuple[int | None, int | None]]
) -> dict[int, PersonRow]:
    """The persons' parents, and everyone with a parent among the persons or
    their parents (children and siblings), by id: one query per link column,
    on its partial index."""
    parent_ids = {p for pair in parents.values() for p in pair if p is not None}
    found = {p.pk: p for p in person_rows(Person.objects.filter(pk__in=parent_ids))}
    linked = {*records, *parent_ids}
    for column in ("mother_id", "father_id"):
        among = _of_persons(sorted(records), column) | Q(
            **{f"{column}__in": parent_ids}
        )
        found.update(
            (p.pk, p)
            for p in person_rows(Person.objects.filter(among))
            if getattr(p, column) in linked
        )
    return found


def _grouped(persons: Iterable[PersonRow], link: str) -> dict[int, list[PersonRow]]:
    grouped: dict[int, list[PersonRow]] = defaultdict(list)
    for person in persons:
        parent = getattr(person, link)
        if parent is not None:
            grouped[parent].append(person)
    return grouped


def _relationship(
    pk: int, mother: int | None, father: int | None, other: PersonRow
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


def chunks(persons: QuerySet[Person], size: int) -> Iterator[list[PersonRow]]:
    """The persons in chunks of `size`, by keyset (no OFFSET scans)."""
    last = 0
    while True:
        chunk = person_rows(persons.filter(pk__gt=last).order_by("pk")[:size])
        if not chunk:
            return
        yield chunk
        last = chunk[-1].pk


def known_children(
    user: User, practice: Practice
) -> Callable[[str, set[str]], dict[str, Person]]:
    """What a Bundle's reader asks for (receiving.KnownChildren): the practice's
    children in the user's scope, by pseudonym or practice patient number."""

    def find(kind: str, values: set[str]) -> dict[str, Person]:
        field = "pseudonym" if kind == "pseudonym" else "practice_patient_number"
        persons = Person.objects.for_user(user).filter(
            practice=practice, **{f"{field}__in": values}
        )
        return {getattr(person, field): person for person in persons}

    return find
