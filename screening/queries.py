"""Multi-model reads for a child's page and its change history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.utils.timezone import get_current_timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fh_registry.access import identity_scope_sql, practice_scope_sql
from fh_registry.models import Practice, Role
from fh_registry.rawsql import RowsOf, fetch_one, fetch_sets
from screening import fragments, rules
from screening.assessing import active_ruleset
from screening.charts import LdlChart, ldl_chart
from screening.models import (
    Assessment,
    Consent,
    FamilyHistoryEntry,
    GeneticResult,
    LabResult,
    Person,
    PersonIdentity,
    ResultSource,
    SampleType,
)
from screening.templatetags.lipids import cholesterol_in, triglycerides_in

CHOLESTEROL_MG_DL_PER_MMOL_L = Decimal("38.67")

NEXT_STEPS = {
    "definite": gettext_lazy(
        "Refer to a paediatric lipid clinic; start cascade testing of the parents."
    ),
    "positive": gettext_lazy(
        "Repeat fasting venous lipids in 4–12 weeks, exclude secondary causes, "
        "offer genetic counselling and testing."
    ),
    "repeat_needed": gettext_lazy("Repeat LDL-C after 3 months of diet to confirm."),
    "needs_direct_ldl": gettext_lazy(
        "Measure LDL-C directly: the calculated value is not usable."
    ),
    "deferred": gettext_lazy("Re-test once the secondary cause is treated."),
    "negative": gettext_lazy("No follow-up needed from this screen."),
    "not_eligible": gettext_lazy(
        "Outside the rule set's age range: assess clinically."
    ),
    "rejected": gettext_lazy("Check the values: the result was implausible."),
}


_PERSON_BY_PSEUDONYM = """
SELECT * FROM screening_person WHERE pseudonym = %(pseudonym)s AND {scope}
"""


def person_in_scope(user: Any, pseudonym: str) -> Person | None:
    """The person with this pseudonym if `user` may see them.

    Every capture and child page starts here, so the query is written out (the
    scope rendered by fh_registry.access) instead of compiled by the ORM each time.
    """
    scope, params = practice_scope_sql(user, "practice_id")
    return fetch_one(
        Person,
        _PERSON_BY_PSEUDONYM.format(scope=scope),
        {"pseudonym": pseudonym, **params},
    )


def ldl_thresholds_mmol_l(ruleset: rules.RuleSet) -> list[tuple[Decimal, str]]:
    """The rule set's LDL-C thresholds, in mmol/L, for the chart."""
    lines = []
    for threshold in ruleset.thresholds:
        if not threshold.label.startswith("LDL-C"):
            continue
        value = rules.to_mmol_l(
            threshold.value, threshold.unit, rules.Analyte.CHOLESTEROL
        )
        label = threshold.label.rsplit("criterion ", 1)[-1]
        lines.append((value, label if label != threshold.label else "LDL-C"))
    return lines


def _result_rows(results: list[Any], unit: str) -> list[dict[str, str]]:
    """The results table's cells as text (see fragments.result_rows)."""
    fasting = _("fasting")
    # Labels translated once per page; get_FOO_display rebuilds its choices per call.
    samples = {value: str(label) for value, label in SampleType.choices}
    sources = {value: str(label) for value, label in ResultSource.choices}
    rows = []
    for r in results:
        sample = samples.get(r.sample_type, r.sample_type)
        if r.ldl_computed_here:
            mark = "friedewald"
        elif r.ldl_method == "calculated":
            mark = "calculated"
        else:
            mark = ""
        rows.append(
            {
                "date": r.sample_date.isoformat(),
                "sample": f"{sample}, {fasting}" if r.fasting else sample,
                "tc": cholesterol_in(r.tc_mmol_l, unit),
                "ldl": cholesterol_in(r.ldl_mmol_l, unit),
                "ldl_mark": mark,
                "hdl": cholesterol_in(r.hdl_mmol_l, unit),
                "tg": triglycerides_in(r.tg_mmol_l, unit),
                "entered_unit": r.entered_unit,
                "source": sources.get(r.source, r.source),
            }
        )
    return rows


def _assessment_cards(assessments: list[Any], reasons: str) -> list[dict[str, Any]]:
    """The assessment cards' fields as text (see _result_rows); `reasons` names
    the column in the page's language."""
    zone = get_current_timezone()  # looked up once, not per card as localtime() does
    return [
        {
            "outcome": a.outcome,
            "criterion": a.criterion,
            "ruleset": f"{a.ruleset_id} {a.ruleset_version}",
            "sample_date": a.sample_date.isoformat(),
            "created_at": a.created_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
            "reasons": getattr(a, reasons),
        }
        for a in assessments
    ]


# The page's reads, written out: each is small, and the ORM's compilation of
# nine queries was a third of the page's time. They travel together
# (rawsql.fetch_sets: one round trip on PostgreSQL).
_PRACTICE = "SELECT id, name, code FROM fh_registry_practice WHERE id = %(practice)s"
_IDENTITY = """
SELECT i.* FROM screening_personidentity i
JOIN screening_person p ON p.id = i.person_id
WHERE i.person_id = %(person)s AND {scope}
"""
_CONSENTS = """
SELECT * FROM screening_consent WHERE person_id = %(person)s
ORDER BY given_on DESC, id DESC
"""
_FAMILY_HISTORY = """
SELECT * FROM screening_familyhistoryentry WHERE person_id = %(person)s ORDER BY id
"""
_GENETIC_RESULTS = """
SELECT * FROM screening_geneticresult WHERE person_id = %(person)s
ORDER BY report_date DESC, id DESC
"""
# Only the columns the table and the chart show, read as rows (RowsOf: the
# page only shows them, and building 20 model instances cost more than the read).
_RESULTS = """
SELECT id, sample_date, sample_type, fasting, ldl_computed_here, ldl_method,
       tc_mmol_l, ldl_mmol_l, hdl_mmol_l, tg_mmol_l, entered_unit, source
FROM screening_labresult WHERE person_id = %(person)s
ORDER BY sample_date, id
"""
# Newest first, with the sample date of the result each one assessed; only the
# cards' columns, as rows. The newest is also read as an Assessment (its alert
# and reasons head the page); its inputs and other language stay deferred.
_LATEST_ASSESSMENT = """
SELECT id, outcome, criterion, alerts, ruleset_id, ruleset_version, created_at,
       {reasons}
FROM screening_assessment WHERE person_id = %(person)s
ORDER BY created_at DESC, id DESC LIMIT 1
"""
_ASSESSMENTS = """
SELECT a.id, a.outcome, a.criterion, a.alerts, a.ruleset_id, a.ruleset_version,
       a.created_at, a.{reasons}, r.sample_date
FROM screening_assessment a JOIN screening_labresult r ON r.id = a.lab_result_id
WHERE a.person_id = %(person)s
ORDER BY a.created_at DESC, a.id DESC
"""


def child_page_context(*, person: Person, user: Any, lang: str) -> dict[str, Any]:
    reasons = "reasons_de" if lang.startswith("de") else "reasons_en"
    scope, scope_params = identity_scope_sql(user, "p.practice_id")
    (
        results,
        assessments,
        newest,
        identities,
        practices,
        family_history,
        genetic_results,
        consents,
    ) = fetch_sets(
        [
            (RowsOf(LabResult), _RESULTS),
            (RowsOf(Assessment), _ASSESSMENTS.format(reasons=reasons)),
            (Assessment, _LATEST_ASSESSMENT.format(reasons=reasons)),
            (PersonIdentity, _IDENTITY.format(scope=scope)),
            (Practice, _PRACTICE),
            (FamilyHistoryEntry, _FAMILY_HISTORY),
            (GeneticResult, _GENETIC_RESULTS),
            (Consent, _CONSENTS),
        ],
        {"person": person.pk, "practice": person.practice_id, **scope_params},
    )
    latest = newest[0] if newest else None
    unit = user.preferred_unit
    ruleset = active_ruleset()
    series = [
        (r.sample_date, r.ldl_mmol_l) for r in results if r.ldl_mmol_l is not None
    ]
    chart: LdlChart | None = ldl_chart(
        series,
        thresholds=ldl_thresholds_mmol_l(ruleset),
        unit_factor=CHOLESTEROL_MG_DL_PER_MMOL_L if unit == "mg/dL" else Decimal(1),
        unit_label=unit,
    )
    return {
        "person": person,
        "practice": practices[0] if practices else None,
        "identity": identities[0] if identities else None,
        "results": fragments.result_rows(_result_rows(results, unit)),
        "assessments": fragments.assessment_cards(
            _assessment_cards(assessments, reasons)
        ),
        "latest": latest,
        "latest_reasons": fragments.reason_items(latest.reasons(lang))
        if latest
        else "",
        "next_step": str(NEXT_STEPS.get(latest.outcome, "")) if latest else "",
        "chart": fragments.chart_svg(chart, label=_("LDL-C over time"))
        if chart
        else None,
        "ruleset": ruleset,
        "family_history": family_history,
        "genetic_results": genetic_results,
        "consents": consents,
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


def child_history(*, person: Person, user: Any) -> list[Change]:
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
