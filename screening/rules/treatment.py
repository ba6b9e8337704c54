"""Estimate untreated LDL-C from a value measured on lipid-lowering treatment.

Statin factors: mean LDL-C reduction by drug and daily dose from the fitted
dose-response table of Law MR, Wald NJ, Rudnicka AR, BMJ 2003;326:1423 (Table 2),
as reproduced in NICE CG181 (2014, statin intensity table). The same approach
(treated / (1 - reduction)) is used to impute pre-treatment LDL-C for DLCN and
Simon Broome in UK cascade services (Haralambos et al., Atherosclerosis 2015;
240:190-196); Ruel et al., Clin Chem 2018;64:355-362 validated such imputation
in FH. UNCERTAIN, marked `uncertain=True`: ezetimibe (about 20 % alone and added
to a statin; Pandor et al., J Intern Med 2009;265:568-580 report 18.6 %
monotherapy) and the multiplicative combination of statin and ezetimibe.
The result is always an estimate: callers flag it `estimated_untreated_ldl`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from screening.rules.types import LipidLoweringTreatment

LAW_2003 = "Law et al. BMJ 2003 / NICE CG181"
EZETIMIBE_SOURCE = "Pandor et al. 2009 (uncertain)"


def _doses(**percent_by_dose: int) -> dict[Decimal, Decimal]:
    return {Decimal(dose[1:]): Decimal(pct) for dose, pct in percent_by_dose.items()}


#: drug -> {daily dose in mg -> % LDL-C reduction}
STATIN_REDUCTION_PERCENT: dict[str, dict[Decimal, Decimal]] = {
    "atorvastatin": _doses(d10=37, d20=43, d40=49, d80=55),
    "fluvastatin": _doses(d20=15, d40=21, d80=27),
    "lovastatin": _doses(d10=21, d20=29, d40=37, d80=45),
    "pravastatin": _doses(d10=20, d20=24, d40=29),
    "rosuvastatin": _doses(d5=38, d10=43, d20=48, d40=53),
    "simvastatin": _doses(d10=27, d20=32, d40=37, d80=42),
}
EZETIMIBE_REDUCTION_PERCENT = Decimal("20")
_HUNDRED = Decimal("100")


@dataclass(frozen=True, slots=True)
class UntreatedEstimate:
    """Estimated untreated LDL-C (same unit as the treated value)."""

    treated: Decimal
    untreated: Decimal
    reduction_percent: Decimal
    source: str
    uncertain: bool


def _remaining(treatment: LipidLoweringTreatment) -> tuple[Decimal, bool] | None:
    """Fraction of LDL-C left on treatment, and whether the factor is uncertain."""
    drug = treatment.drug.strip().lower()
    remaining, uncertain = Decimal(1), False
    if drug == "ezetimibe":
        return 1 - EZETIMIBE_REDUCTION_PERCENT / _HUNDRED, True
    doses = STATIN_REDUCTION_PERCENT.get(drug)
    if doses is None or treatment.dose_mg not in doses:
        return None
    remaining = 1 - doses[treatment.dose_mg] / _HUNDRED
    if treatment.with_ezetimibe:
        remaining *= 1 - EZETIMIBE_REDUCTION_PERCENT / _HUNDRED
        uncertain = True
    return remaining, uncertain


def estimate_untreated_ldl(
    treated: Decimal, treatment: LipidLoweringTreatment
) -> UntreatedEstimate | None:
    """treated / (1 - reduction); None for a drug or dose without a factor."""
    found = _remaining(treatment)
    if found is None:
        return None
    remaining, uncertain = found
    source = LAW_2003
    if treatment.drug.strip().lower() == "ezetimibe":
        source = EZETIMIBE_SOURCE
    elif treatment.with_ezetimibe:
        source = f"{LAW_2003}; {EZETIMIBE_SOURCE}"
    return UntreatedEstimate(
        treated=treated,
        untreated=treated / remaining,
        reduction_percent=((1 - remaining) * _HUNDRED).normalize(),
        source=source,
        uncertain=uncertain,
    )
