"""Which LDL-C value a rule may use (DOMAIN §3c), and the LDL-C formulas (§4)."""

from __future__ import annotations

from bisect import bisect_right
from decimal import Decimal

from screening.rules.reasons import Params
from screening.rules.types import LdlMethod, LipidPanel, Reason, Unit
from screening.rules.units import (
    MG_DL_PER_MMOL_L,
    Analyte,
    Operator,
    Threshold,
    to_mg_dl,
)

_CHOL = Analyte.CHOLESTEROL
_TG = Analyte.TRIGLYCERIDES

#: Friedewald is invalid at TG >= 400 mg/dL, published as 4.5 mmol/L (§3a.2).
FRIEDEWALD_TG_LIMIT = Threshold(
    _TG,
    Decimal("4.5"),
    Unit.MMOL_L,
    Operator.GE,
    "TG limit for calculated LDL-C (Friedewald)",
    equivalents=((Unit.MG_DL, Decimal("400")),),
)
#: Sampson et al., JAMA Cardiol 2020: validated up to TG 800 mg/dL.
SAMPSON_TG_LIMIT = Threshold(
    _TG, Decimal("800"), Unit.MG_DL, Operator.GT, "TG limit for Sampson LDL-C"
)
#: VLDL-C = TG / divisor; DOMAIN §4 fixes 2.2 for mmol/L (exact 2.18) and 5 for mg/dL.
FRIEDEWALD_DIVISOR = {Unit.MMOL_L: Decimal("2.2"), Unit.MG_DL: Decimal("5")}

# Martin SS, Blaha MJ, Elshazly MB, et al. Comparison of a novel method vs the
# Friedewald equation for estimating LDL-C. JAMA 2013;310(19):2061-2068, the
# 180-cell table of TG:VLDL-C factors (30 TG strata x 6 non-HDL-C strata, mg/dL).
# Transcribed from the published table and cross-checked against three
# independent open-source transcriptions; where one of those differed (TG 76-79
# and 101-105 at non-HDL >= 220, TG >= 400 at non-HDL >= 220) the majority and
# the table's monotone pattern agree with the values below. Information only.
MH_TG_LOWER_EDGES = (
    7, 50, 57, 62, 67, 72, 76, 80, 84, 88, 93, 97, 101, 106, 111, 116, 121,
    127, 133, 139, 147, 155, 164, 174, 186, 202, 221, 248, 293, 400,
)  # fmt: skip
MH_TG_MAX = 13975
MH_NON_HDL_LOWER_EDGES = (100, 130, 160, 190, 220)  # columns: <100, 100-129, ...
MH_FACTORS = tuple(
    tuple(Decimal(cell) for cell in row.split())
    for row in """
    3.5 3.4 3.3 3.3 3.2 3.1 | 4.0 3.9 3.7 3.6 3.6 3.4 | 4.3 4.1 4.0 3.9 3.8 3.6
    4.5 4.3 4.1 4.0 3.9 3.9 | 4.7 4.4 4.3 4.2 4.1 3.9 | 4.8 4.6 4.4 4.2 4.2 4.1
    4.9 4.6 4.5 4.3 4.3 4.2 | 5.0 4.8 4.6 4.4 4.3 4.2 | 5.1 4.8 4.6 4.5 4.4 4.3
    5.2 4.9 4.7 4.6 4.4 4.3 | 5.3 5.0 4.8 4.7 4.5 4.4 | 5.4 5.1 4.8 4.7 4.5 4.3
    5.5 5.2 5.0 4.7 4.6 4.5 | 5.6 5.3 5.0 4.8 4.6 4.5 | 5.7 5.4 5.1 4.9 4.7 4.5
    5.8 5.5 5.2 5.0 4.8 4.6 | 6.0 5.5 5.3 5.0 4.8 4.6 | 6.1 5.7 5.3 5.1 4.9 4.7
    6.2 5.8 5.4 5.2 5.0 4.7 | 6.3 5.9 5.6 5.3 5.0 4.8 | 6.5 6.0 5.7 5.4 5.1 4.8
    6.7 6.2 5.8 5.4 5.2 4.9 | 6.8 6.3 5.9 5.5 5.3 5.0 | 7.0 6.5 6.0 5.7 5.4 5.1
    7.3 6.7 6.2 5.8 5.5 5.2 | 7.6 6.9 6.4 6.0 5.6 5.3 | 8.0 7.2 6.6 6.2 5.9 5.4
    8.5 7.6 7.0 6.5 6.1 5.6 | 9.5 8.3 7.5 7.0 6.5 5.9 | 11.9 10.0 8.8 8.1 7.5 6.7
    """.replace("|", "\n").split("\n")
    if row.strip()
)

_NO_ALERTS: tuple[str, ...] = ()
_CALCULATED: tuple[str, ...] = ("calculated_ldl",)


def _complete(panel: LipidPanel) -> tuple[Decimal, Decimal, Decimal] | None:
    tc, hdl, tg = panel.total_cholesterol, panel.hdl_cholesterol, panel.triglycerides
    if tc is None or hdl is None or tg is None:
        return None
    return tc, hdl, tg


def friedewald(panel: LipidPanel) -> Decimal | None:
    """TC - HDL-C - TG/5 (mg/dL) or TG/2.2 (mmol/L); None where not valid."""
    values = _complete(panel)
    if values is None or FRIEDEWALD_TG_LIMIT.met(values[2], panel.unit):
        return None
    tc, hdl, tg = values
    return tc - hdl - tg / FRIEDEWALD_DIVISOR[panel.unit]


def martin_hopkins_factor(tg_mg_dl: Decimal, non_hdl_mg_dl: Decimal) -> Decimal | None:
    """The JAMA 2013 factor for TG and non-HDL-C in mg/dL; None outside the table."""
    if tg_mg_dl < MH_TG_LOWER_EDGES[0] or tg_mg_dl > MH_TG_MAX:
        return None
    row = bisect_right(MH_TG_LOWER_EDGES, tg_mg_dl) - 1
    column = bisect_right(MH_NON_HDL_LOWER_EDGES, non_hdl_mg_dl)
    return MH_FACTORS[row][column]


def martin_hopkins(panel: LipidPanel) -> Decimal | None:
    """Non-HDL-C - TG/factor (Martin 2013), in the panel's unit; information only."""
    values = _complete(panel)
    if values is None:
        return None
    tc = to_mg_dl(values[0], panel.unit, _CHOL)
    hdl = to_mg_dl(values[1], panel.unit, _CHOL)
    tg = to_mg_dl(values[2], panel.unit, _TG)
    factor = martin_hopkins_factor(tg, tc - hdl)
    if factor is None:
        return None
    ldl_mg_dl = tc - hdl - tg / factor
    return _from_mg_dl(ldl_mg_dl, panel.unit)


def sampson(panel: LipidPanel) -> Decimal | None:
    """NIH equation 2 (Sampson, JAMA Cardiol 2020), valid to TG 800 mg/dL."""
    values = _complete(panel)
    if values is None or SAMPSON_TG_LIMIT.met(values[2], panel.unit):
        return None
    tc = to_mg_dl(values[0], panel.unit, _CHOL)
    hdl = to_mg_dl(values[1], panel.unit, _CHOL)
    tg = to_mg_dl(values[2], panel.unit, _TG)
    non_hdl = tc - hdl
    vldl = tg / Decimal("8.56") + tg * non_hdl / 2140 - tg * tg / 16100
    ldl_mg_dl = tc / Decimal("0.948") - hdl / Decimal("0.971") - vldl - Decimal("9.44")
    return _from_mg_dl(ldl_mg_dl, panel.unit)


def _from_mg_dl(value: Decimal, unit: Unit) -> Decimal:
    return value if unit is Unit.MG_DL else value / MG_DL_PER_MMOL_L[_CHOL]


def ldl_estimates(panel: LipidPanel) -> dict[str, Decimal | None]:
    """Friedewald, Martin-Hopkins and Sampson, in the panel's unit, for display."""
    return {
        "friedewald": friedewald(panel),
        "martin_hopkins": martin_hopkins(panel),
        "sampson": sampson(panel),
    }


def resolve_ldl(panel: LipidPanel) -> tuple[Decimal | None, str, tuple[str, ...]]:
    """The LDL-C a rule may use, its source and alerts (DOMAIN §3c).

    Direct LDL-C is used as is. A calculated value needs TG known and < 4.5
    mmol/L (400 mg/dL); an unstated method is used unless TG is at or above
    that. Without an LDL-C value, Friedewald is computed where valid. None
    means `needs_direct_ldl`; `why_no_ldl` names the reason.
    """
    ldl = panel.ldl_cholesterol
    if ldl is not None:
        if panel.ldl_method is LdlMethod.DIRECT:
            return ldl, "direct", _NO_ALERTS
        return _reported(panel, ldl)
    value = friedewald(panel)
    if value is None or value <= 0:
        return None, "", _NO_ALERTS
    return value, "friedewald", _CALCULATED


def _reported(
    panel: LipidPanel, ldl: Decimal
) -> tuple[Decimal | None, str, tuple[str, ...]]:
    """A laboratory value that is calculated or of unstated method."""
    tg = panel.triglycerides
    tg_too_high = tg is not None and FRIEDEWALD_TG_LIMIT.met(tg, panel.unit)
    if panel.ldl_method is LdlMethod.CALCULATED:
        if tg is None or tg_too_high:
            return None, "", _NO_ALERTS
        return ldl, "calculated", _CALCULATED
    if tg_too_high:
        return None, "", _NO_ALERTS
    return ldl, "reported", _NO_ALERTS


def why_no_ldl(panel: LipidPanel) -> Reason:
    """Why `resolve_ldl` found no usable LDL-C."""
    tg, unit = panel.triglycerides, panel.unit
    if tg is not None and FRIEDEWALD_TG_LIMIT.met(tg, unit):
        params: Params = (
            ("value", tg),
            ("unit", unit),
            *FRIEDEWALD_TG_LIMIT.params(unit),
        )
        return Reason("tg_too_high_for_calculation", params)
    ldl = panel.ldl_cholesterol
    if ldl is not None and panel.ldl_method is LdlMethod.CALCULATED:
        return Reason("calculated_ldl_without_tg", (("value", ldl), ("unit", unit)))
    return Reason("no_ldl")
