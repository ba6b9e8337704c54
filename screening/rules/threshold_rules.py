"""LDL-C threshold criteria, optionally with family history or two occasions.

The shape of VRONI and the EAS 2015/2026 paediatric criteria: criteria in
source order, the first one fully met gives `positive`; a two-occasion
criterion met by the latest value alone gives `repeat_needed` (DOMAIN §3g).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from screening.rules.assessment import (
    DECISION_CACHE_SIZE,
    Findings,
    Reading,
    RuleSetInfo,
    early_outcome,
    evaluation,
    needs_direct_ldl,
    quick_findings,
    start,
)
from screening.rules.reasons import Params
from screening.rules.types import (
    Case,
    Evaluation,
    FamilyHistory,
    Outcome,
    Reason,
    Unit,
    make_evaluation,
)
from screening.rules.units import Threshold

_NOT_MET = frozenset({"criterion_not_met", "criterion_not_met_family"})
_Key = tuple[str, Unit, frozenset[FamilyHistory]]
_Decision = tuple[Outcome, str, tuple[Reason, ...]]


@dataclass(frozen=True, slots=True)
class Criterion:
    """LDL-C OP threshold, plus any one of `family`, on `occasions` occasions."""

    label: str
    threshold: Threshold
    family: tuple[FamilyHistory, ...] = ()
    occasions: int = 1
    _family_set: frozenset[FamilyHistory] = field(init=False, repr=False)
    _met: dict[Unit, Params] = field(init=False, repr=False)
    _not_met: dict[Unit, Params] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_family_set", frozenset(self.family))
        label: Params = (("criterion", self.label),)
        required: Params = (("family", ";".join(self.family)),) if self.family else ()
        met = {unit: self.threshold.params(unit) + label for unit in Unit}
        not_met = {unit: met[unit] + required for unit in Unit}
        object.__setattr__(self, "_met", met)
        object.__setattr__(self, "_not_met", not_met)

    def family_met(self, family: frozenset[FamilyHistory]) -> str | None:
        """The matching family codes joined by ";", or None if required and absent."""
        if not self.family:
            return ""
        if self._family_set.isdisjoint(family):
            return None
        return ";".join(code for code in self.family if code in family)

    def reason(self, code: str, reading: Reading, family: str = "") -> Reason:
        """A reason about this criterion and `reading`."""
        if code in _NOT_MET:
            return Reason(code, reading.params_ + self._not_met[reading.unit])
        params = reading.params_ + self._met[reading.unit]
        if family:
            params += (("family", family),)
        return Reason(code, params)


@dataclass(frozen=True, slots=True)
class ThresholdRuleSet:
    """A rule set made of LDL-C threshold criteria (see module docstring)."""

    id: str
    version: str
    title: str
    citation: str
    canonical_unit: Unit
    min_age_years: Decimal | None
    max_age_years: Decimal | None
    criteria: tuple[Criterion, ...]
    notes: tuple[str, ...] = ()
    _info: RuleSetInfo = field(init=False, repr=False)
    _decided: dict[_Key, _Decision] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        info = RuleSetInfo(
            self.id, self.version, self.min_age_years, self.max_age_years
        )
        object.__setattr__(self, "_info", info)
        object.__setattr__(self, "_decided", {})

    @property
    def thresholds(self) -> tuple[Threshold, ...]:
        """Every threshold, in source order."""
        return tuple(criterion.threshold for criterion in self.criteria)

    def evaluate(self, case: Case) -> Evaluation:
        """Classify `case` by DOMAIN §3g."""
        info = self._info
        quick = quick_findings(case, info)
        if quick is not None:
            return self._quick(case, *quick)
        found = start(case, info)
        if isinstance(found, Evaluation):
            return found
        early = early_outcome(case, info, found)
        if early is not None:
            return early
        if found.readings[-1] is None:
            return needs_direct_ldl(case, info, found)
        return self._decide(case, found)

    def _quick(
        self,
        case: Case,
        reading: Reading,
        alerts: tuple[str, ...],
        notes: tuple[Reason, ...],
    ) -> Evaluation:
        """One usable reading: the decision depends only on it and the family.

        The decision is worked out by `_decide` and remembered by the reading's
        exact text (str tells 3.0 from 3.00, which render differently), unit
        and family history; the LDL-C is always that reading's.
        """
        family = case.family_history
        if type(family) is not frozenset:  # a set also works, but cannot be a key
            family = frozenset(family)
        key = (str(reading.value), reading.unit, family)
        decided = self._decided.get(key)
        if decided is None:
            full = self._decide(case, Findings([reading], (), []))
            decided = (full.outcome, full.criterion, full.reasons)
            if len(self._decided) >= DECISION_CACHE_SIZE:
                self._decided.clear()
            self._decided[key] = decided
        outcome, criterion, reasons = decided
        return make_evaluation(
            outcome,
            criterion,
            alerts,
            reading.mmol_l,
            reading.source,
            self.id,
            self.version,
            reasons + notes if notes else reasons,
        )

    def _decide(self, case: Case, found: Findings) -> Evaluation:
        readings = found.readings
        latest = readings[-1]
        assert latest is not None
        earlier = readings[:-1]
        once: Criterion | None = None
        not_met: list[Reason] = []
        for criterion in self.criteria:
            threshold = criterion.threshold
            hit: Reading | None = latest
            if not threshold.met(latest.value, latest.unit):
                hit = _latest_meeting(threshold, earlier) if earlier else None
            if criterion.occasions == 2:
                pair = _successive(threshold, readings) if earlier else None
                if pair is not None:
                    return self._met_twice(criterion, pair, found)
                if hit is latest:
                    once = once or criterion
                else:
                    not_met.append(criterion.reason("criterion_not_met", latest))
                continue
            if hit is None:
                not_met.append(criterion.reason("criterion_not_met", latest))
                continue
            family = criterion.family_met(case.family_history)
            if family is None:
                not_met.append(criterion.reason("criterion_not_met_family", hit))
                continue
            code = "criterion_met_family" if family else "criterion_met"
            reason = criterion.reason(code, hit, family)
            return evaluation(
                self._info,
                Outcome.POSITIVE,
                criterion.label,
                found,
                [reason],
                decisive=hit,
            )
        if once is not None:
            reason = once.reason("criterion_met_once", latest)
            return evaluation(
                self._info,
                Outcome.REPEAT_NEEDED,
                once.label,
                found,
                [reason],
                decisive=latest,
            )
        return evaluation(self._info, Outcome.NEGATIVE, "", found, not_met)

    def _met_twice(
        self, criterion: Criterion, pair: tuple[Reading, Reading], found: Findings
    ) -> Evaluation:
        earlier, later = pair
        reason = criterion.reason("criterion_met_twice", later)
        reason = Reason(reason.code, (("previous", earlier.value), *reason.params))
        return evaluation(
            self._info,
            Outcome.POSITIVE,
            criterion.label,
            found,
            [reason],
            decisive=later,
        )


def _latest_meeting(
    threshold: Threshold, readings: list[Reading | None]
) -> Reading | None:
    for reading in reversed(readings):
        if reading is not None and threshold.met(reading.value, reading.unit):
            return reading
    return None


def _successive(
    threshold: Threshold, readings: list[Reading | None]
) -> tuple[Reading, Reading] | None:
    """The latest two successive occasions that both meet `threshold`."""
    for index in range(len(readings) - 1, 0, -1):
        later, earlier = readings[index], readings[index - 1]
        if (
            later is not None
            and earlier is not None
            and threshold.met(later.value, later.unit)
            and threshold.met(earlier.value, earlier.unit)
        ):
            return earlier, later
    return None
