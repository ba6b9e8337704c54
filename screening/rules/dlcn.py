"""Dutch Lipid Clinic Network score for adult relatives in a cascade.

Source: Nordestgaard BG, et al. Familial hypercholesterolaemia is
underdiagnosed and undertreated in the general population: guidance for
clinicians to prevent coronary heart disease. Eur Heart J 2013;34:3478-3490,
Table 3 (DLCN criteria); DOMAIN §2. Adults (>= 18 y) only. Highest item per
group; LDL-C points from the highest untreated LDL-C over all occasions,
half-open bands in mmol/L ([4.0, 5.0) = 1, [5.0, 6.5) = 3, [6.5, 8.5) = 5,
>= 8.5 = 8). Score > 8 definite, 6-8 probable, 3-5 possible, < 3 unlikely.

Decisions (DOMAIN §2 "Decision"): score >= 6 is `positive` (the cascade
extends); 3-5 is `negative` with criterion `possible` and a coordinator-review
reason; < 3 `negative`. A documented secondary cause defers unless the relative
has an own P/LP variant. Without usable LDL-C the score is reported and the
outcome is `positive` if the other items already reach 6, else
`needs_direct_ldl`. `parent_premature_chd` counts as premature CHD in a
first-degree relative.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from screening.rules.assessment import (
    Findings,
    Reading,
    early_outcome,
    evaluation,
    start,
)
from screening.rules.family_prompt import supposing_every_finding
from screening.rules.ldl import why_no_ldl
from screening.rules.types import (
    Case,
    Evaluation,
    FamilyHistory,
    Outcome,
    Reason,
    Unit,
    is_genetic_diagnosis,
)
from screening.rules.units import Analyte, Operator, Threshold

_F = FamilyHistory


def _ldl(mmol_l: str, points: int) -> tuple[Threshold, int]:
    label = f"LDL-C, {points} DLCN point{'s' if points > 1 else ''}"
    threshold = Threshold(
        Analyte.CHOLESTEROL, Decimal(mmol_l), Unit.MMOL_L, Operator.GE, label
    )
    return threshold, points


#: Highest band first; each band is [limit, next limit).
LDL_BANDS = (_ldl("8.5", 8), _ldl("6.5", 5), _ldl("5.0", 3), _ldl("4.0", 1))
#: (group, item, points, predicate name) in the order the table lists them.
FAMILY_ITEMS = (
    (2, (_F.FIRST_DEGREE_XANTHOMA_OR_ARCUS, _F.CHILD_HIGH_LDL)),
    (
        1,
        (
            _F.FIRST_DEGREE_PREMATURE_CHD,
            _F.PARENT_PREMATURE_CHD,
            _F.FIRST_DEGREE_HIGH_LDL,
        ),
    ),
)
OWN_HISTORY_ITEMS = (
    ("own_premature_chd", 2),
    ("own_premature_cerebral_or_peripheral_vd", 1),
)
EXAMINATION_ITEMS = (("tendon_xanthoma", 6), ("corneal_arcus_before_45", 4))
DNA_POINTS = 8


def category(score: int) -> str:
    """DLCN category of a score."""
    if score > 8:
        return "definite"
    if score >= 6:
        return "probable"
    if score >= 3:
        return "possible"
    return "unlikely"


def _points(group: str, item: str, points: int) -> Reason:
    return Reason("dlcn_points", (("group", group), ("item", item), ("points", points)))


def _clinical_points(case: Case) -> tuple[int, list[Reason]]:
    """Family, own history, examination and DNA points, with a reason per group."""
    total, reasons = 0, []
    for points, codes in FAMILY_ITEMS:
        present = [code for code in codes if code in case.family_history]
        if present:
            total += points
            reasons.append(_points("family", present[0].value, points))
            break
    for group, items in (
        ("own_history", OWN_HISTORY_ITEMS),
        ("examination", EXAMINATION_ITEMS),
    ):
        for name, points in items:
            if getattr(case, name):
                total += points
                reasons.append(_points(group, name, points))
                break
    if is_genetic_diagnosis(case.own_variant):
        total += DNA_POINTS
        reasons.append(_points("dna", "own_p_lp_variant", DNA_POINTS))
    return total, reasons


def _ldl_points(reading: Reading) -> tuple[int, Reason]:
    for threshold, points in LDL_BANDS:
        if threshold.met(reading.value, reading.unit):
            params = reading.params() + threshold.params(reading.unit)
            return points, Reason("dlcn_ldl_points", (*params, ("points", points)))
    lowest = LDL_BANDS[-1][0]
    params = reading.params() + lowest.params(reading.unit)
    return 0, Reason("dlcn_ldl_no_points", params)


@dataclass(frozen=True, slots=True)
class DlcnRuleSet:
    """The DLCN score as a rule set (see module docstring)."""

    id: str
    version: str
    title: str
    citation: str
    canonical_unit: Unit
    min_age_years: Decimal | None
    max_age_years: Decimal | None
    notes: tuple[str, ...] = ()

    @property
    def thresholds(self) -> tuple[Threshold, ...]:
        """The LDL-C band limits, highest first."""
        return tuple(threshold for threshold, _ in LDL_BANDS)

    def criterion_with_family(self, case: Case, evaluation: Evaluation) -> str | None:
        """Family findings score points."""
        return supposing_every_finding(self, case)

    def evaluate(self, case: Case) -> Evaluation:
        """Score `case` and classify it (see module docstring)."""
        found = start(case, self)
        if isinstance(found, Evaluation):
            return found
        early = early_outcome(case, self, found)
        if early is not None and early.outcome is not Outcome.DEFINITE:
            return early
        return self._score(case, found)

    def _score(self, case: Case, found: Findings) -> Evaluation:
        score, reasons = _clinical_points(case)
        usable = [reading for reading in found.readings if reading is not None]
        highest = max(usable, key=lambda reading: reading.mmol_l, default=None)
        if highest is None and score < 6:
            reasons.append(why_no_ldl(case.occasions[-1].panel))
            reasons.append(
                Reason("dlcn_total", (("score", score), ("category", category(score))))
            )
            return evaluation(
                self, Outcome.NEEDS_DIRECT_LDL, "", found, reasons, score=score
            )
        if highest is not None:
            points, reason = _ldl_points(highest)
            score += points
            reasons.insert(0, reason)
        label = category(score)
        reasons.append(Reason("dlcn_total", (("score", score), ("category", label))))
        outcome = Outcome.POSITIVE if score >= 6 else Outcome.NEGATIVE
        if score >= 6:
            reasons.append(Reason("dlcn_positive", (("score", score),)))
        elif score >= 3:
            reasons.append(Reason("dlcn_review_due", (("score", score),)))
        return evaluation(
            self, outcome, label, found, reasons, decisive=highest, score=score
        )


RULESET = DlcnRuleSet(
    id="dlcn",
    version="2013.1",
    title="Dutch Lipid Clinic Network score (adult relatives)",
    citation="Nordestgaard BG, et al. Eur Heart J 2013;34:3478-3490, Table 3 "
    "(Dutch Lipid Clinic Network criteria)",
    canonical_unit=Unit.MMOL_L,
    min_age_years=Decimal("18"),
    max_age_years=None,
)
