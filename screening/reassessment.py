"""Re-evaluate stored results with another rule set or version (a what-if).

Old assessments are never edited: each child's latest result gets a new
Assessment by the chosen rule set, and the table says how many children would
change outcome, from what to what. This is how a programme decides whether to
switch, say, from EAS 2015 to EAS 2026.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db import transaction

from fh_registry.models import User
from screening import rules
from screening.assessing import (
    active_ruleset,
    assessment_for,
    build_case,
    evaluate,
)
from screening.models import (
    Assessment,
    FamilyHistoryEntry,
    GeneticResult,
    LabResult,
    Person,
)
from screening.signals import assessment_recorded

CHUNK_PERSONS = 2000


@dataclass
class WhatIf:
    ruleset_id: str
    ruleset_version: str
    children: int = 0
    written: int = 0
    transitions: Counter[tuple[str, str]] = field(default_factory=Counter)

    @property
    def changed(self) -> int:
        return sum(n for (old, new), n in self.transitions.items() if old != new)

    def table(self) -> list[tuple[str, str, int]]:
        """(from, to, children), changes first, largest first."""
        return sorted(
            ((old, new, n) for (old, new), n in self.transitions.items()),
            key=lambda row: (row[0] == row[1], -row[2], row[0], row[1]),
        )


def _person_chunks() -> Iterator[list[int]]:
    ids = (
        Person.objects.filter(lab_results__isnull=False)
        .distinct()
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    chunk: list[int] = []
    for person_id in ids.iterator(chunk_size=CHUNK_PERSONS):
        chunk.append(person_id)
        if len(chunk) == CHUNK_PERSONS:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _current_outcomes(person_ids: list[int]) -> dict[int, str]:
    """Each child's latest outcome under the active rule set (its current state)."""
    current: dict[int, str] = {}
    rows = (
        Assessment.objects.filter(
            person_id__in=person_ids, ruleset_id=active_ruleset().id
        )
        .order_by("person_id", "created_at", "pk")
        .values_list("person_id", "outcome")
    )
    for person_id, outcome in rows:
        current[person_id] = outcome  # ordered: the last one wins
    return current


def _facts(person_ids: list[int]) -> tuple[dict[int, list[str]], dict[int, list[str]]]:
    codes: dict[int, list[str]] = defaultdict(list)
    for person_id, code in FamilyHistoryEntry.objects.filter(
        person_id__in=person_ids
    ).values_list("person_id", "code"):
        codes[person_id].append(code)
    classes: dict[int, list[str]] = defaultdict(list)
    for person_id, acmg in (
        GeneticResult.objects.found()
        .filter(person_id__in=person_ids)
        .values_list("person_id", "acmg_class")
    ):
        classes[person_id].append(acmg)
    return codes, classes


def reassess(*, ruleset_id: str, acting_user: User, dry_run: bool = False) -> WhatIf:
    """Evaluate every child's results with `ruleset_id`; write unless `dry_run`."""
    ruleset = rules.get_ruleset(ruleset_id)
    what_if = WhatIf(ruleset_id=ruleset.id, ruleset_version=ruleset.version)
    sends_events = ruleset.id == active_ruleset().id
    for person_ids in _person_chunks():
        with transaction.atomic():
            _reassess_chunk(
                person_ids,
                ruleset=ruleset,
                what_if=what_if,
                acting_user=acting_user,
                write=not dry_run,
                sends_events=sends_events,
            )
    return what_if


def _reassess_chunk(
    person_ids: list[int],
    *,
    ruleset: rules.RuleSet,
    what_if: WhatIf,
    acting_user: User,
    write: bool,
    sends_events: bool,
) -> None:
    persons = Person.objects.in_bulk(person_ids)
    series: dict[int, list[LabResult]] = defaultdict(list)
    for result in LabResult.objects.filter(person_id__in=person_ids).order_by(
        "person_id", "sample_date", "pk"
    ):
        series[result.person_id].append(result)
    current = _current_outcomes(person_ids)
    codes, classes = _facts(person_ids)
    # Idempotent: a result already assessed by this exact rule set version is not
    # assessed again, so a rerun (or a retried task) writes nothing twice.
    done = set(
        Assessment.objects.filter(
            person_id__in=person_ids,
            ruleset_id=ruleset.id,
            ruleset_version=ruleset.version,
        ).values_list("lab_result_id", flat=True)
    )
    new_rows: list[Assessment] = []
    for person_id, results in series.items():
        person = persons[person_id]
        case = build_case(
            sex=person.sex,
            birth_date=person.birth_date,
            results=results,
            family_codes=codes.get(person_id, []),
            variant_classes=classes.get(person_id, []),
        )
        evaluation = evaluate(
            ruleset,
            case,
            family_history_asked=person.family_history_asked_on is not None,
        )
        what_if.children += 1
        what_if.transitions[(current.get(person_id, "—"), str(evaluation.outcome))] += 1
        if write and results[-1].pk not in done:
            new_rows.append(
                assessment_for(
                    evaluation,
                    case=case,
                    lab_result=results[-1],
                    acting_user=acting_user,
                )
            )
    if new_rows:
        # Assessments are their own record (author, rule set and version).
        created = Assessment.objects.bulk_create(new_rows, batch_size=1000)
        what_if.written += len(created)
        if sends_events:
            assessment_recorded.send(
                sender=Assessment, assessments=created, acting_user=acting_user
            )
