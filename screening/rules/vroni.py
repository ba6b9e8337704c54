"""VRONI: Bavarian population screening of children aged 5-14 years.

Source: VRONI results, Eur Heart J 2026 (design: Eur J Public Health 2022).
Criterion (DOMAIN §2 table, §3b): LDL-C >= 130 mg/dL, published as 3.36 mmol/L;
one value suffices. Canonical unit mg/dL. ">=" is the project's documented
choice: the design paper says "exceeding", the results paper uses >= 3.36.
"""

from __future__ import annotations

from decimal import Decimal

from screening.rules.threshold_rules import Criterion, ThresholdRuleSet
from screening.rules.types import Unit
from screening.rules.units import Analyte, Operator, Threshold

LDL_THRESHOLD = Threshold(
    Analyte.CHOLESTEROL,
    Decimal("130"),
    Unit.MG_DL,
    Operator.GE,
    "LDL-C (VRONI cut-off, meant as P95)",
    equivalents=((Unit.MMOL_L, Decimal("3.36")),),
)

RULESET = ThresholdRuleSet(
    id="vroni",
    version="2026.1",
    title="VRONI population screening (Bavaria)",
    citation="VRONI study group, Eur Heart J 2026 (results); Eur J Public Health "
    "2022 (design)",
    canonical_unit=Unit.MG_DL,
    min_age_years=Decimal("5"),
    max_age_years=Decimal("15"),
    criteria=(Criterion("threshold", LDL_THRESHOLD),),
    notes=(
        "A positive VRONI result is a research report of high suspicion, not a "
        "diagnosis; reflex genetics runs on the same sample.",
    ),
)
