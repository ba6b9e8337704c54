"""Simon Broome FH criteria, paediatric (< 16 y) and adult (>= 16 y).

Source: NICE CG71 (2008, updated 2019), Familial hypercholesterolaemia,
Appendix/Box 1 "Simon Broome criteria" (DOMAIN §2 table). Canonical unit
mmol/L, strict ">" (§3b). Lipid criterion L (pre-treatment): TC > 6.7 or
LDL-C > 4.0 under 16 y; TC > 7.5 or LDL-C > 4.9 from 16 y.
Definite: own P/LP variant, or L + tendon xanthoma (self, or first/second-
degree relative). Possible (`positive`): L + MI in a first-degree relative
< 60 y or second-degree < 50 y, or raised family TC. L alone is negative.

Family codes, a documented project decision: the MI limb is
`parent_premature_chd` or `first_degree_premature_chd`; `relative_premature_chd`
("other close relatives", premature = < 55/< 60 y) does not guarantee a
second-degree MI before 50 y and is not counted. The raised-family-TC limb is
`parent_high_cholesterol` (taken to mean a parent above the Simon Broome TC
limit). Xanthoma: `Case.tendon_xanthoma` or `relative_tendon_xanthoma`.
The TC limb needs no LDL-C (§3c) and is skipped on treated occasions.
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
from screening.rules.family_prompt import supposing_every_finding
from screening.rules.reasons import Params
from screening.rules.types import (
    Case,
    Evaluation,
    FamilyHistory,
    Outcome,
    Reason,
    Unit,
)
from screening.rules.units import Analyte, Operator, Threshold

FAMILY_LIMBS = (
    FamilyHistory.PARENT_PREMATURE_CHD,
    FamilyHistory.FIRST_DEGREE_PREMATURE_CHD,
    FamilyHistory.PARENT_HIGH_CHOLESTEROL,
)
_FAMILY_SET = frozenset(FAMILY_LIMBS)


def _limit(mmol_l: str, label: str) -> Threshold:
    return Threshold(
        Analyte.CHOLESTEROL, Decimal(mmol_l), Unit.MMOL_L, Operator.GT, label
    )


@dataclass(frozen=True, slots=True)
class SimonBroomeRuleSet:
    """Simon Broome with its age-specific lipid limits."""

    id: str
    version: str
    title: str
    citation: str
    canonical_unit: Unit
    min_age_years: Decimal | None
    max_age_years: Decimal | None
    tc_limit: Threshold
    ldl_limit: Threshold
    notes: tuple[str, ...] = ()

    @property
    def thresholds(self) -> tuple[Threshold, ...]:
        """TC and LDL-C limits of lipid criterion L."""
        return (self.tc_limit, self.ldl_limit)

    def criterion_with_family(self, case: Case, evaluation: Evaluation) -> str | None:
        """Family findings make "possible FH" (and relatives' xanthoma, definite)."""
        return supposing_every_finding(self, case)

    def evaluate(self, case: Case) -> Evaluation:
        """Classify `case` by DOMAIN §3g with Simon Broome's criteria.

        `needs_direct_ldl` is decided inside `_classify`: the TC limb needs no
        LDL-C (§3c), so a missing LDL-C matters only when TC does not meet L.
        """
        found = start(case, self)
        if isinstance(found, Evaluation):
            return found
        early = early_outcome(case, self, found)
        if early is not None:
            return early
        return self._classify(case, found)

    def _classify(self, case: Case, found: Findings) -> Evaluation:
        """Lipid criterion L, then xanthoma and family history."""
        lipid = self._lipid_criterion(case, found)
        if isinstance(lipid, list):
            if found.readings[-1] is None:
                return needs_direct_ldl(case, self, found)
            return evaluation(self, Outcome.NEGATIVE, "", found, lipid)
        reason, decisive = lipid
        return self._decide(case, found, reason, decisive)

    def _decide(
        self, case: Case, found: Findings, met: Reason, decisive: Reading | None
    ) -> Evaluation:
        family = case.family_history
        if case.tendon_xanthoma or FamilyHistory.RELATIVE_TENDON_XANTHOMA in family:
            who = "self" if case.tendon_xanthoma else "relative_tendon_xanthoma"
            reason = Reason("xanthoma_definite", (("who", who),))
            return evaluation(
                self,
                Outcome.DEFINITE,
                "xanthoma",
                found,
                [met, reason],
                decisive=decisive,
            )
        if not _FAMILY_SET.isdisjoint(family):
            codes = ";".join(code for code in FAMILY_LIMBS if code in family)
            reason = Reason("possible_fh", (("family", codes),))
            return evaluation(
                self,
                Outcome.POSITIVE,
                "possible",
                found,
                [met, reason],
                decisive=decisive,
            )
        reason = Reason("lipid_criterion_alone")
        return evaluation(
            self, Outcome.NEGATIVE, "", found, [met, reason], decisive=decisive
        )

    def _lipid_criterion(
        self, case: Case, found: Findings
    ) -> tuple[Reason, Reading | None] | list[Reason]:
        """(reason, decisive LDL-C) if L is met, else the reasons it is not."""
        not_met: list[Reason] = []
        latest = case.occasions[-1]
        for occasion, reading in zip(
            reversed(case.occasions), reversed(found.readings), strict=True
        ):
            if reading is not None:
                met, reason = self._limb("LDL-C", reading.value, reading.unit)
                if met:
                    return reason, reading
            tc = occasion.panel.total_cholesterol
            if tc is not None and occasion.treatment is None:
                met, tc_reason = self._limb("TC", tc, occasion.panel.unit)
                if met:
                    return tc_reason, reading
                if occasion is latest:
                    not_met.append(tc_reason)
            if reading is not None and occasion is latest:
                not_met.append(reason)
        return not_met

    def _limb(self, analyte: str, value: Decimal, unit: Unit) -> tuple[bool, Reason]:
        """Whether the TC or LDL-C limb is met by `value`, and the reason saying so."""
        limit = self.ldl_limit if analyte == "LDL-C" else self.tc_limit
        params: Params = (("analyte", analyte), ("value", value), ("unit", unit))
        params += limit.params(unit)
        met = limit.met(value, unit)
        code = "lipid_criterion_met" if met else "lipid_limb_not_met"
        return met, Reason(code, params)


PAEDIATRIC = SimonBroomeRuleSet(
    id="simon-broome-paediatric",
    version="2008.1",
    title="Simon Broome criteria, children and young people under 16",
    citation="NICE CG71 (2008, updated 2019), Simon Broome diagnostic criteria "
    "(box 1); Scientific Steering Committee, BMJ 1991;303:893-896",
    canonical_unit=Unit.MMOL_L,
    min_age_years=None,
    max_age_years=Decimal("16"),
    tc_limit=_limit("6.7", "TC, lipid criterion (under 16)"),
    ldl_limit=_limit("4.0", "LDL-C, lipid criterion (under 16)"),
)

ADULT = SimonBroomeRuleSet(
    id="simon-broome-adult",
    version="2008.1",
    title="Simon Broome criteria, adults and young people from 16",
    citation="NICE CG71 (2008, updated 2019), Simon Broome diagnostic criteria "
    "(box 1); Scientific Steering Committee, BMJ 1991;303:893-896",
    canonical_unit=Unit.MMOL_L,
    min_age_years=Decimal("16"),
    max_age_years=None,
    tc_limit=_limit("7.5", "TC, lipid criterion (16 and over)"),
    ldl_limit=_limit("4.9", "LDL-C, lipid criterion (16 and over)"),
)
