"""Steps every rule set shares: plausibility, LDL-C readings, alerts, early outcomes.

DOMAIN §3g order: rejected, not_eligible, definite (genetic), deferred,
needs_direct_ldl; the rule set then decides positive, repeat_needed, negative.
Alerts are worked out before the early outcomes, so every non-rejected result
carries them.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from screening.rules.ldl import resolve_ldl, why_no_ldl
from screening.rules.plausibility import Problem, check_panel
from screening.rules.reasons import Params
from screening.rules.treatment import estimate_untreated_ldl
from screening.rules.types import (
    Case,
    Evaluation,
    Occasion,
    Outcome,
    Reason,
    Unit,
    VariantClass,
)
from screening.rules.units import Analyte, Operator, Threshold, to_mmol_l

#: Cuchel 2023 (EAS): LDL-C > 10 mmol/L suggests homozygous FH (DOMAIN §2, §3d).
HOFH_THRESHOLD = Threshold(
    Analyte.CHOLESTEROL,
    Decimal("10"),
    Unit.MMOL_L,
    Operator.GT,
    "HoFH suspected",
)
_CHOL = Analyte.CHOLESTEROL
_GENETIC = (VariantClass.PATHOGENIC, VariantClass.LIKELY_PATHOGENIC)
_VUS_NOTE = Reason("vus_segregation")


@dataclass(frozen=True, slots=True)
class Reading:
    """The LDL-C a rule may use from one occasion, in the entered unit."""

    value: Decimal
    unit: Unit
    source: str

    @property
    def mmol_l(self) -> Decimal:
        """The value in mmol/L, unrounded."""
        return to_mmol_l(self.value, self.unit, _CHOL)

    def params(self) -> Params:
        """Reason params naming this value."""
        return (("analyte", "LDL-C"), ("value", self.value), ("unit", self.unit))


@dataclass(slots=True)
class Findings:
    """What the shared steps found; the rule set reads it to decide."""

    readings: list[Reading | None]
    alerts: tuple[str, ...]
    notes: list[Reason]


class RuleSetInfo(Protocol):
    """What the shared steps read of a rule set: identity and age range."""

    @property
    def id(self) -> str: ...
    @property
    def version(self) -> str: ...
    @property
    def min_age_years(self) -> Decimal | None: ...
    @property
    def max_age_years(self) -> Decimal | None: ...


def age_range_text(info: RuleSetInfo) -> str:
    """e.g. "5 ≤ age < 15 years"."""
    low, high = info.min_age_years, info.max_age_years
    if low is not None and high is not None:
        return f"{low} ≤ age < {high} years"
    if high is not None:
        return f"age < {high} years"
    return f"age ≥ {low} years"


def evaluation(
    info: RuleSetInfo,
    outcome: Outcome,
    criterion: str,
    findings: Findings | None,
    reasons: list[Reason],
    *,
    decisive: Reading | None = None,
    score: int | None = None,
) -> Evaluation:
    """Assemble an Evaluation; the decisive (else latest usable) LDL-C is reported."""
    alerts: tuple[str, ...] = ()
    if findings is not None:
        alerts = findings.alerts
        reasons = reasons + findings.notes
        if decisive is None:
            decisive = latest_usable(findings.readings)
    if decisive is None:
        ldl_mmol_l, source = None, ""
    else:
        ldl_mmol_l, source = decisive.mmol_l, decisive.source
    return Evaluation(
        outcome,
        criterion,
        alerts,
        ldl_mmol_l,
        source,
        info.id,
        info.version,
        tuple(reasons),
        score,
    )


def latest_usable(readings: list[Reading | None]) -> Reading | None:
    """The latest occasion's usable LDL-C, else the latest one before it."""
    for reading in reversed(readings):
        if reading is not None:
            return reading
    return None


def start(case: Case, info: RuleSetInfo) -> Evaluation | Findings:
    """`rejected` if the case is implausible (§3d), else the shared findings."""
    if not case.occasions:
        return evaluation(info, Outcome.REJECTED, "", None, [Reason("no_occasions")])
    problems = [check_panel(occasion.panel) for occasion in case.occasions]
    if not any(problems):
        return gather(case, None)
    reasons = [
        problem.as_reason()
        for found in problems
        if any(problem.severity == "error" for problem in found)
        for problem in found
        if problem.severity != "warning"
    ]
    if reasons:
        unique = list(dict.fromkeys(reasons))
        return evaluation(info, Outcome.REJECTED, "", None, unique)
    return gather(case, problems)


def _reading(
    occasion: Occasion, alerts: dict[str, None], notes: list[Reason]
) -> Reading | None:
    panel = occasion.panel
    value, source, extra = resolve_ldl(panel)
    if value is None:
        return None
    if extra:
        for alert in extra:
            alerts[alert] = None
        params = (("value", value), ("unit", panel.unit), ("source", source))
        notes.append(Reason("calculated_ldl", params))
    if occasion.treatment is not None:
        return _untreated(occasion, value, source, alerts, notes)
    return Reading(value, panel.unit, source)


def _untreated(
    occasion: Occasion,
    value: Decimal,
    source: str,
    alerts: dict[str, None],
    notes: list[Reason],
) -> Reading | None:
    """Estimated untreated LDL-C, never silently used as measured."""
    treatment = occasion.treatment
    assert treatment is not None
    unit = occasion.panel.unit
    drug = (("drug", treatment.drug), ("dose", treatment.dose_mg or ""))
    estimate = estimate_untreated_ldl(value, treatment)
    if estimate is None:
        notes.append(Reason("untreated_ldl_unknown", drug))
        return None
    alerts["estimated_untreated_ldl"] = None
    ezetimibe = "yes" if treatment.with_ezetimibe else ""
    params: Params = (
        ("value", value),
        ("unit", unit),
        *drug,
        ("ezetimibe", ezetimibe),
        ("estimate", estimate.untreated),
        ("percent", estimate.reduction_percent),
        ("source", estimate.source),
    )
    notes.append(Reason("estimated_untreated_ldl", params))
    return Reading(estimate.untreated, occasion.panel.unit, source)


def gather(case: Case, problems: list[tuple[Problem, ...]] | None) -> Findings:
    """Usable LDL-C per occasion, alerts (§3g) and notes for the reasons."""
    alerts: dict[str, None] = {}
    notes: list[Reason] = []
    readings = [_reading(occasion, alerts, notes) for occasion in case.occasions]
    for reading in readings:
        if reading is not None and HOFH_THRESHOLD.met(reading.value, reading.unit):
            alerts = {"hofh_suspected": None, **alerts}
            notes.append(
                Reason("hofh_suspected", reading.params()[1:] + _hofh(reading.unit))
            )
            break
    for found in problems or ():
        for problem in found:
            alerts[problem.code] = None
            notes.append(problem.as_reason())
    if case.own_variant is VariantClass.VUS:
        notes.append(_VUS_NOTE)
    return Findings(readings, tuple(alerts) if alerts else (), notes)


def _hofh(unit: Unit) -> Params:
    return HOFH_THRESHOLD.params(unit)


def early_outcome(
    case: Case, info: RuleSetInfo, findings: Findings
) -> Evaluation | None:
    """not_eligible, definite (own P/LP variant) or deferred, in that order."""
    age = case.occasions[-1].age_years
    low, high = info.min_age_years, info.max_age_years
    if (low is not None and age < low) or (high is not None and age >= high):
        params: Params = (
            ("age", age),
            ("ruleset", info.id),
            ("range", age_range_text(info)),
        )
        reason = Reason("age_out_of_range", params)
        return evaluation(info, Outcome.NOT_ELIGIBLE, "", findings, [reason])
    variant = case.own_variant
    if variant in _GENETIC:
        assert variant is not None
        reason = Reason("genetic_diagnosis", (("variant", variant.value),))
        return evaluation(info, Outcome.DEFINITE, "genetic", findings, [reason])
    if case.secondary_cause:
        reason = Reason("secondary_cause", (("cause", case.secondary_cause),))
        return evaluation(info, Outcome.DEFERRED, "", findings, [reason])
    return None


def needs_direct_ldl(case: Case, info: RuleSetInfo, findings: Findings) -> Evaluation:
    """`needs_direct_ldl`, naming why the latest occasion has no usable LDL-C."""
    reason = why_no_ldl(case.occasions[-1].panel)
    return evaluation(info, Outcome.NEEDS_DIRECT_LDL, "", findings, [reason])
