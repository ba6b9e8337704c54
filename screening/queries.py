"""Multi-model reads for a child's page and its change history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import F
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fh_registry.models import Role, User
from screening import rules
from screening.assessing import active_ruleset
from screening.charts import LdlChart, ldl_chart
from screening.models import (
    CRITERION_LABELS,
    Assessment,
    Consent,
    FamilyHistoryEntry,
    GeneticResult,
    LabResult,
    Outcome,
    Person,
    PersonIdentity,
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
        code = threshold.label.rsplit("criterion ", 1)[-1]
        name = CRITERION_LABELS.get(code, _("LDL-C threshold"))
        lines.append((value, f"{name} {threshold.operator.value}"))
    return lines


def child_page_context(*, person: Person, user: User, lang: str) -> dict[str, Any]:
    """What the child's page shows; a fixed number of queries however many
    results and assessments the child has."""
    results = list(
        LabResult.objects.filter(person=person).order_by("-sample_date", "-pk")
    )
    other_language = "reasons_en" if lang.startswith("de") else "reasons_de"
    assessments = list(
        Assessment.objects.filter(person=person)
        .annotate(sample_date=F("lab_result__sample_date"))
        .defer("inputs", other_language)  # the page shows neither
        .newest_sample_first()
    )
    latest = assessments[0] if assessments else None
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
        "assessments": [(a, a.reasons(lang)) for a in assessments],
        "latest": latest,
        "latest_reasons": latest.reasons(lang) if latest else [],
        "next_step": next_step(latest) if latest else "",
        "chart": chart,
        "ruleset": ruleset,
        "family_history": FamilyHistoryEntry.objects.filter(person=person),
        "genetic_results": GeneticResult.objects.filter(person=person),
        "consents": Consent.objects.filter(person=person).order_by("-given_on", "-pk"),
        "can_enter": user.role == Role.PEDIATRICIAN,
    }


@dataclass(frozen=True, slots=True)
class Change:
    when: datetime
    who: str
    record: str
    action: str
    fields: tuple[str, ...]


_ACTIONS = {
    "+": gettext_lazy("created"),
    "~": gettext_lazy("changed"),
    "-": gettext_lazy("deleted"),
}


def child_history(*, person: Person, user: User) -> list[Change]:
    """Every audited change to the child's records, newest first."""
    sources: list[tuple[str, Any]] = [
        (_("Child"), Person.history.filter(id=person.pk)),
        (_("Consent"), Consent.history.filter(person_id=person.pk)),
        (_("Lab result"), LabResult.history.filter(person_id=person.pk)),
        (_("Assessment"), Assessment.history.filter(person_id=person.pk)),
        (_("Family history"), FamilyHistoryEntry.history.filter(person_id=person.pk)),
        (_("Genetic result"), GeneticResult.history.filter(person_id=person.pk)),
    ]
    if PersonIdentity.objects.for_user(user).filter(person=person).exists():
        sources.append(
            (_("Identity"), PersonIdentity.history.filter(person_id=person.pk))
        )
    changes = []
    for label, history in sources:
        for record in history.select_related("history_user").order_by("history_date"):
            changed: tuple[str, ...] = ()
            if record.history_type == "~" and record.prev_record is not None:
                changed = tuple(record.diff_against(record.prev_record).changed_fields)
            changes.append(
                Change(
                    when=record.history_date,
                    who=str(record.history_user or _("system")),
                    record=str(label),
                    action=str(_ACTIONS.get(record.history_type, record.history_type)),
                    fields=changed,
                )
            )
    changes.sort(key=lambda c: c.when, reverse=True)
    return changes
