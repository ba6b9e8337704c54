"""EAS 2026 paediatric FH criteria.

Source: EAS 2026 consensus statement on FH in children (DOMAIN §2 table).
Canonical unit mmol/L, strict ">" (DOMAIN §3b); a single value suffices.
Definite: own P/LP variant. A: LDL-C > 4.5. B: > 3.5 plus premature ASCVD in
the family (men < 55 y, women < 60 y) and/or high parental cholesterol.
C: > 3.0 plus a parent with genetic FH. The printed mg/dL figures
(175/135/115) are display approximations; mg/dL values are compared exactly
with 174.015/135.345/116.01.
"""

from __future__ import annotations

from decimal import Decimal

from screening.rules.threshold_rules import Criterion, ThresholdRuleSet
from screening.rules.types import FamilyHistory, Unit
from screening.rules.units import Analyte, Operator, Threshold

# The guideline's own mg/dL figures, shown to readers, never compared.
PRINTED_MG_DL = {"4.5": Decimal("175"), "3.5": Decimal("135"), "3.0": Decimal("115")}


def _ldl(mmol_l: str, label: str) -> Threshold:
    return Threshold(
        Analyte.CHOLESTEROL,
        Decimal(mmol_l),
        Unit.MMOL_L,
        Operator.GT,
        label,
        printed=((Unit.MG_DL, PRINTED_MG_DL[mmol_l]),),
    )


FAMILY_ASCVD_OR_PARENT = (
    FamilyHistory.PARENT_PREMATURE_CHD,
    FamilyHistory.RELATIVE_PREMATURE_CHD,
    FamilyHistory.PARENT_HIGH_CHOLESTEROL,
)
PARENT_GENETIC = (FamilyHistory.PARENT_GENETIC_FH,)

RULESET = ThresholdRuleSet(
    id="eas2026",
    version="2026.1",
    title="EAS 2026 paediatric FH criteria",
    citation="European Atherosclerosis Society 2026 consensus on FH in children "
    "and adolescents, diagnostic criteria",
    canonical_unit=Unit.MMOL_L,
    min_age_years=None,
    max_age_years=Decimal("18"),
    criteria=(
        Criterion("A", _ldl("4.5", "LDL-C, criterion A")),
        Criterion("B", _ldl("3.5", "LDL-C, criterion B"), FAMILY_ASCVD_OR_PARENT),
        Criterion("C", _ldl("3.0", "LDL-C, criterion C"), PARENT_GENETIC),
    ),
)
