"""EAS 2015 paediatric FH criteria.

Source: Wiegman A, et al. Familial hypercholesterolaemia in children and
adolescents: gaining decades of life by optimizing detection and treatment.
Eur Heart J 2015;36:2425-2437 (EAS Consensus Panel), diagnostic criteria
(DOMAIN §2 table). Canonical unit mmol/L, inclusive ">=" (DOMAIN §3b).
Definite: own P/LP variant. A: LDL-C >= 5.0 on two successive occasions after
3 months of diet. B: >= 4.0 plus premature CHD in a close relative and/or high
baseline cholesterol in a parent. C: >= 3.5 plus a parent with genetic FH.
The printed mg/dL figures (190/160/130) are approximations for display only;
mg/dL values are compared exactly with 193.35/154.68/135.345.
"""

from __future__ import annotations

from decimal import Decimal

from screening.rules.threshold_rules import Criterion, ThresholdRuleSet
from screening.rules.types import FamilyHistory, Unit
from screening.rules.units import Analyte, Operator, Threshold

# The guideline's own mg/dL figures, shown to readers, never compared.
PRINTED_MG_DL = {"5.0": Decimal("190"), "4.0": Decimal("160"), "3.5": Decimal("130")}


def _ldl(mmol_l: str, label: str) -> Threshold:
    return Threshold(
        Analyte.CHOLESTEROL,
        Decimal(mmol_l),
        Unit.MMOL_L,
        Operator.GE,
        label,
        printed=((Unit.MG_DL, PRINTED_MG_DL[mmol_l]),),
    )


CLOSE_RELATIVE_OR_PARENT = (
    FamilyHistory.PARENT_PREMATURE_CHD,
    FamilyHistory.RELATIVE_PREMATURE_CHD,
    FamilyHistory.PARENT_HIGH_CHOLESTEROL,
)
PARENT_GENETIC = (FamilyHistory.PARENT_GENETIC_FH,)

RULESET = ThresholdRuleSet(
    id="eas2015",
    version="2015.1",
    title="EAS 2015 paediatric FH criteria",
    citation="Wiegman A, et al. Eur Heart J 2015;36:2425-2437 (EAS Consensus "
    "Panel), diagnostic criteria for children",
    canonical_unit=Unit.MMOL_L,
    min_age_years=None,
    max_age_years=Decimal("18"),
    criteria=(
        Criterion("A", _ldl("5.0", "LDL-C, criterion A"), occasions=2),
        Criterion("B", _ldl("4.0", "LDL-C, criterion B"), CLOSE_RELATIVE_OR_PARENT),
        Criterion("C", _ldl("3.5", "LDL-C, criterion C"), PARENT_GENETIC),
    ),
    notes=("Criterion A presumes 3 months of diet before the two occasions.",),
)
