"""Multi-model reads for a child's page and its change history."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Case, F, OuterRef, Q, QuerySet, Subquery, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fh_registry.models import Role, User
from screening import rules
from screening.assessing import active_ruleset
from screening.charts import LdlChart, ldl_chart
from screening.models import (
    Assessment,
    Consent,
    FamilyHistoryEntry,
    GeneticResult,
    ImportBatch,
    LabResult,
    Outcome,
    Person,
    PersonIdentity,
    reader_language,
)

CHOLESTEROL_MG_DL_PER_MMOL_L = Decimal("38.67")

NEXT_STEPS = {
    Outcome.DEFINITE: gettext_lazy(
        "Refer to a paediatric lipid clinic; start cascade testing of the parents."
    ),
    Outcome.POSITIVE: gettext_lazy(
        "Repeat fasting venous lipids in 4–12 weeks, exclude secondary causes, "
        "offer genetic counselling and testing."
    ),
    Outcome.REPEAT_NEEDED: gettext_lazy(
        "Repeat LDL-C after 3 months of diet to confirm."
    ),
    Outcome.NEEDS_DIRECT_LDL: gettext_lazy(
        "Measure LDL-C directly: the calculated value is not usable."
    ),
    Outcome.DEFERRED: gettext_lazy("Re-test once the secondary cause is treated."),
    Outcome.NEGATIVE: gettext_lazy("No follow-up needed from this screen."),
    Outcome.NOT_ELIGIBLE: gettext_lazy(
        "Outside the rule set's age range: assess clinically."
    ),
    Outcome.REJECTED: gettext_lazy("Check the values: the result was implausible."),
}


ASK_FAMILY = gettext_lazy(
    "Ask the family about premature heart disease, high cholesterol and FH in "
    "parents and close relatives, then record the family history: with these "
    "lipids a positive family history would flag the child."
)


def next_step(assessment: Assessment) -> str:
    """What the practice does next after this assessment."""
    if assessment.asks_for_family_history:
        return str(ASK_FAMILY)
    return str(NEXT_STEPS.get(Outcome(assessment.outcome), ""))


def ldl_thresholds_mmol_l(ruleset: rules.RuleSet) -> list[tuple[Decimal, str]]:
    """The rule set's LDL-C thresholds in mmol/L, labelled for the chart
    ("criterion A >")."""
    lines = []
    for threshold in ruleset.thresholds:
        if not threshold.label.startswith("LDL-C"):
            continue
        value = rules.to_mmol_l(
            threshold.value, threshold.unit, rules.Analyte.CHOLESTEROL
        )
        # "LDL-C, criterion A" names its criterion; a lone threshold has none.
        _, named, code = threshold.label.rpartition("criterion ")
        name = rules.criterion_name(code if named else "threshold", reader_language())
        lines.append((value, f"{name} {threshold.operator.value}"))
    return lines


#: Assessment cards the child's page shows unless all are asked for: the newest
#: say what matters now; a long history is one click away.
ASSESSMENT_CARDS = 6


def child_page_context(
    *, person: Person, user: User, lang: str, all_assessments: bool = False
) -> dict[str, Any]:
    """What the child's page shows; a fixed number of queries however many
    results and assessments the child has."""
    results = list(
        LabResult.objects.filter(person=person).order_by("-sample_date", "-pk")
    )
    shown = (
        Assessment.objects.filter(person=person)
        .annotate(sample_date=F("lab_result__sample_date"))
        .defer("inputs")  # the page does not show them
        .newest_sample_first()
    )
    limit = None if all_assessments else ASSESSMENT_CARDS
    # One more than shown tells whether there are more, in the same query.
    fetched = list(shown if limit is None else shown[: limit + 1])
    cards = [(a, a.reasons(lang)) for a in fetched[:limit]]
    latest, latest_reasons = cards[0] if cards else (None, [])
    unit = user.preferred_unit
    ruleset = active_ruleset()
    series = [  # oldest first
        (r.sample_date, r.ldl_mmol_l)
        for r in reversed(results)
        if r.ldl_mmol_l is not None
    ]
    chart: LdlChart | None = ldl_chart(
        series,
        thresholds=ldl_thresholds_mmol_l(ruleset),
        unit_factor=CHOLESTEROL_MG_DL_PER_MMOL_L if unit == "mg/dL" else Decimal(1),
        unit_label=unit,
    )
    return {
        "person": person,
        "identity": PersonIdentity.objects.for_user(user).filter(person=person).first(),
        "results": results,
        "assessments": cards,
        "more_assessments": len(fetched) > len(cards),
        "latest": latest,
        "latest_reasons": latest_reasons,
        "next_step": next_step(latest) if latest else "",
        "chart": chart,
        "ruleset": ruleset,
        "family_history": FamilyHistoryEntry.objects.filter(person=person),
        "genetic_results": GeneticResult.objects.filter(person=person),
        "consents": Consent.objects.filter(person=person).order_by("-given_on", "-pk"),
        "can_enter": user.role == Role.PEDIATRICIAN,
    }


# The practice list's sort orders: (URL value, label, ordering).
LIST_ORDERS = {
    "newest": (gettext_lazy("newest first"), ("-created_at", "-pk")),
    "name": (
        gettext_lazy("name"),
        ("identity__family_name", "identity__given_name", "pk"),
    ),
    "number": (gettext_lazy("patient number"), ("practice_patient_number", "pk")),
    "birth": (gettext_lazy("date of birth"), ("-birth_date", "pk")),
    "flag": (gettext_lazy("flagged first"), ("flag_rank", "-created_at", "-pk")),
}
ADULT_AGE_YEARS = 18


def practice_persons(
    *, user: User, query: str = "", adults: bool = False, order: str = "newest"
) -> QuerySet[Person]:
    """The practice list: children (under 18) unless `adults`, found by patient
    number, pseudonym or name, each with the outcome of their current
    assessment (`latest_outcome`)."""
    persons = Person.objects.for_user(user).select_related("practice", "identity")
    if not adults:
        today = timezone.localdate()
        adult_if_born_by = rules.anniversary(today, today.year - ADULT_AGE_YEARS)
        persons = persons.filter(birth_date__gt=adult_if_born_by)
    if query:
        names = PersonIdentity.objects.for_user(user).filter(
            Q(family_name__icontains=query) | Q(given_name__icontains=query)
        )
        persons = persons.filter(
            Q(practice_patient_number__iexact=query)
            | Q(pseudonym__iexact=query)
            | Q(pk__in=names.values("pk"))
        )
    current = Assessment.objects.filter(person=OuterRef("pk")).newest_sample_first()
    persons = persons.annotate(latest_outcome=Subquery(current.values("outcome")[:1]))
    if order == "flag":
        flagged = [Outcome.DEFINITE, Outcome.POSITIVE, Outcome.REPEAT_NEEDED]
        persons = persons.annotate(
            flag_rank=Case(
                *(
                    When(latest_outcome=code, then=rank)
                    for rank, code in enumerate(flagged)
                ),
                default=len(flagged),
            )
        )
    _, ordering = LIST_ORDERS.get(order, LIST_ORDERS["newest"])
    return persons.order_by(*ordering)


@dataclass(frozen=True, slots=True)
class Change:
    when: datetime
    who: str
    record: str
    action: str
    fields: tuple[str, ...]
    via: str = ""  # where the change came from: an import batch, a rule set


_ACTIONS = {
    "+": gettext_lazy("created"),
    "~": gettext_lazy("changed"),
    "-": gettext_lazy("deleted"),
}
# The change reason the import writes on the history rows it creates.
_IMPORT_REASON = re.compile(r"^import batch (\d+)$")


def child_history(*, person: Person, user: User) -> list[Change]:
    """Every audited change to the child's records, newest first, each with the
    import batch it came from where an import made it."""
    sources: list[tuple[str, Any]] = [
        (_("Child"), Person.history.filter(id=person.pk)),
        (_("Consent"), Consent.history.filter(person_id=person.pk)),
        (_("Lab result"), LabResult.history.filter(person_id=person.pk)),
        (_("Family history"), FamilyHistoryEntry.history.filter(person_id=person.pk)),
        (_("Genetic result"), GeneticResult.history.filter(person_id=person.pk)),
    ]
    if PersonIdentity.objects.for_user(user).filter(person=person).exists():
        sources.append(
            (_("Identity"), PersonIdentity.history.filter(person_id=person.pk))
        )
    records = [
        (label, record)
        for label, history in sources
        for record in history.select_related("history_user").order_by("history_date")
    ]
    assessments = list(
        Assessment.objects.filter(person=person).select_related("created_by")
    )
    batches = _batches(records, assessments)
    changes = [_change(label, record, batches) for label, record in records]
    changes += [
        Change(
            when=a.created_at,
            who=str(a.created_by),
            record=str(_("Assessment")),
            action=str(_ACTIONS["+"]),
            fields=(),
            via=batches.get(
                a.import_batch_id or 0, f"{a.ruleset_id} {a.ruleset_version}"
            ),
        )
        for a in assessments
    ]
    changes.sort(key=lambda c: c.when, reverse=True)
    return changes


def _batch_of(record: Any) -> int | None:
    """The import batch a history row came from, if an import wrote it."""
    found = _IMPORT_REASON.match(record.history_change_reason or "")
    if found:
        return int(found.group(1))
    return getattr(record, "import_batch_id", None)


def _batches(
    records: list[tuple[str, Any]], assessments: list[Assessment]
) -> dict[int, str]:
    """Each import batch named in the history, described for the reader."""
    ids = {_batch_of(record) for _, record in records}
    ids |= {a.import_batch_id for a in assessments}
    found = ImportBatch.objects.filter(pk__in=[pk for pk in ids if pk])
    return {
        batch.pk: _("import of %(file)s (batch %(id)s)")
        % {"file": batch.file_name, "id": batch.pk}
        for batch in found
    }


def _change(label: str, record: Any, batches: dict[int, str]) -> Change:
    changed: tuple[str, ...] = ()
    if record.history_type == "~" and record.prev_record is not None:
        changed = tuple(record.diff_against(record.prev_record).changed_fields)
    return Change(
        when=record.history_date,
        who=str(record.history_user or _("system")),
        record=str(label),
        action=str(_ACTIONS.get(record.history_type, record.history_type)),
        fields=changed,
        via=batches.get(_batch_of(record) or 0, ""),
    )
