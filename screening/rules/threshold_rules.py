"""LDL-C threshold criteria, optionally with family history or two occasions.

The shape of VRONI and the EAS 2015/2026 paediatric criteria: criteria in
source order, the first one fully met gives `positive`; a two-occasion
criterion met by the latest value alone gives `repeat_needed` (DOMAIN §3g).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from screening.rules.assessment import (
    Findings,
    Reading,
    early_outcome,
    evaluation,
    needs_direct_ldl,
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
)
from screening.rules.units import Threshold

_NOT_MET = frozenset({"criterion_not_met", "criterion_not_met_family"})


@dataclass(frozen=True, slots=True)
class Criterion:
    """LDL-C OP threshold, plus any one of `family`, on `occasions` occasions."""

    label: str
    threshold: Threshold
    family: tuple[FamilyHistory, ...] = ()
    occasions: int = 1

    def family_met(self, family: frozenset[FamilyHistory]) -> str | None:
        """The matching family codes joined by ";", or None if required and absent."""
        if not self.family:
            return ""
        present = ";".join(code for code in self.family if code in family)
        return present or None

    def reason(self, code: str, reading: Reading, family: str = "") -> Reason:
        """A reason about this criterion and `reading`.

        "Not met" reasons name every family item the criterion requires; "met"
        reasons name the `family` items that were present.
        """
        params: Params = (
            *reading.params(),
            *self.threshold.params(reading.unit, reading.value),
            ("criterion", self.label),
        )
        if code in _NOT_MET:
            family = ";".join(self.family)
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

    @property
    def thresholds(self) -> tuple[Threshold, ...]:
        """Every threshold, in source order."""
        return tuple(criterion.threshold for criterion in self.criteria)

    def criterion_with_family(self, case: Case, evaluation: Evaluation) -> str | None:
        """Read off the negative `evaluation`, without evaluating again: it
        names every criterion in source order, and family findings change
        only those whose LDL-C is met but whose finding is missing; the first
        of them would give `positive` (tested against evaluating again)."""
        for reason in evaluation.reasons:
            if reason.code == "criterion_not_met_family":
                return str(dict(reason.params)["criterion"])
        return None

    def evaluate(self, case: Case) -> Evaluation:
        """Classify `case` by DOMAIN §3g."""
        found = start(case, self)
        if isinstance(found, Evaluation):
            return found
        early = early_outcome(case, self, found)
        if early is not None:
            return early
        if found.readings[-1] is None:
            return needs_direct_ldl(case, self, found)
        return self._decide(case, found)

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
                self,
                Outcome.POSITIVE,
                criterion.label,
                found,
                [reason],
                decisive=hit,
            )
        if once is not None:
            reason = once.reason("criterion_met_once", latest)
            return evaluation(
                self,
                Outcome.REPEAT_NEEDED,
                once.label,
                found,
                [reason],
                decisive=latest,
            )
        return evaluation(self, Outcome.NEGATIVE, "", found, not_met)

    def _met_twice(
        self, criterion: Criterion, pair: tuple[Reading, Reading], found: Findings
    ) -> Evaluation:
        earlier, later = pair
        reason = criterion.reason("criterion_met_twice", later)
        reason = Reason(reason.code, (("previous", earlier.value), *reason.params))
        return evaluation(
            self,
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
