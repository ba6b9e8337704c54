"""Plausibility checks on a lipid panel (DOMAIN §3d), returning every problem."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from screening.rules.reasons import Params, render
from screening.rules.types import LipidPanel, Reason, Unit
from screening.rules.units import Analyte, Operator, Threshold

Severity = Literal["error", "warning", "query"]

_MG = Unit.MG_DL
_CHOL = Analyte.CHOLESTEROL
_TG = Analyte.TRIGLYCERIDES


@dataclass(frozen=True, slots=True)
class Problem:
    """A coded plausibility problem; `error` rejects, the others are accepted."""

    code: str
    field: str
    severity: Severity
    params: Params

    def text(self, lang: str = "en") -> str:
        """The problem in English ("en") or German ("de")."""
        return render(self.code, self.params, lang)

    def as_reason(self) -> Reason:
        """The same code and params as an evaluation reason."""
        return Reason(self.code, self.params)


def _limit(analyte: Analyte, mg_dl: str, operator: Operator, label: str) -> Threshold:
    return Threshold(analyte, Decimal(mg_dl), _MG, operator, label)


# field -> (analyte, lowest plausible, highest plausible), mg/dL canonical;
# mmol/L values compare by cross-multiplication (§3a.3), e.g. 1.03 mmol/L TC
# (39.83 mg/dL) is below 40 mg/dL although DOMAIN prints 1.03 as the rounded limit.
RANGES: dict[str, tuple[Threshold, Threshold]] = {
    "total_cholesterol": (
        _limit(_CHOL, "40", Operator.GE, "TC lowest plausible"),
        _limit(_CHOL, "1200", Operator.GT, "TC highest plausible"),
    ),
    "ldl_cholesterol": (
        _limit(_CHOL, "10", Operator.GE, "LDL-C lowest plausible"),
        _limit(_CHOL, "1000", Operator.GT, "LDL-C highest plausible"),
    ),
    "hdl_cholesterol": (
        _limit(_CHOL, "5", Operator.GE, "HDL-C lowest plausible"),
        _limit(_CHOL, "150", Operator.GT, "HDL-C highest plausible"),
    ),
    "triglycerides": (
        _limit(_TG, "10", Operator.GE, "TG lowest plausible"),
        _limit(_TG, "5000", Operator.GT, "TG highest plausible"),
    ),
}

LDL_ABOVE_300 = _limit(_CHOL, "300", Operator.GT, "LDL-C very high (warning)")
TG_AT_OR_ABOVE_500 = _limit(_TG, "500", Operator.GE, "TG very high (warning)")
LDL_AT_OR_ABOVE_40 = _limit(
    _CHOL, "40", Operator.GE, "LDL-C warning when not met (unusually low)"
)
TC_QUERY_MG_DL = Decimal("20")
#: LDL-C may exceed non-HDL-C (TC - HDL-C) by at most 0.2 mmol/L (7.734 mg/dL).
NON_HDL_MARGIN = {Unit.MMOL_L: Decimal("0.2"), _MG: Decimal("0.2") * Decimal("38.67")}


def _ranges(panel: LipidPanel) -> list[Problem]:
    problems: list[Problem] = []
    unit = panel.unit
    for name, value in (
        ("total_cholesterol", panel.total_cholesterol),
        ("ldl_cholesterol", panel.ldl_cholesterol),
        ("hdl_cholesterol", panel.hdl_cholesterol),
        ("triglycerides", panel.triglycerides),
    ):
        if value is None:
            continue
        low, high = RANGES[name]
        if not low.met(value, unit) or high.met(value, unit):
            params: Params = (
                ("field", name),
                ("value", value),
                ("unit", unit),
                ("low", low.limit_in(unit)),
                ("high", high.limit_in(unit)),
            )
            problems.append(Problem("out_of_range", name, "error", params))
    return problems


def _consistency(panel: LipidPanel) -> list[Problem]:
    problems: list[Problem] = []
    tc, ldl, hdl = panel.total_cholesterol, panel.ldl_cholesterol, panel.hdl_cholesterol
    unit = panel.unit
    if tc is not None and ldl is not None and ldl > tc:
        params: Params = (("ldl", ldl), ("tc", tc), ("unit", unit))
        problems.append(Problem("ldl_exceeds_tc", "ldl_cholesterol", "error", params))
    if tc is not None and hdl is not None:
        if hdl > tc:
            params = (("hdl", hdl), ("tc", tc), ("unit", unit))
            problems.append(
                Problem("hdl_exceeds_tc", "hdl_cholesterol", "error", params)
            )
        margin = NON_HDL_MARGIN[panel.unit]
        if ldl is not None and ldl - (tc - hdl) > margin:
            params = (
                ("ldl", ldl),
                ("non_hdl", tc - hdl),
                ("margin", margin),
                ("unit", unit),
            )
            problems.append(
                Problem("ldl_exceeds_non_hdl", "ldl_cholesterol", "error", params)
            )
    return problems


def _warnings(panel: LipidPanel) -> list[Problem]:
    problems: list[Problem] = []
    unit = panel.unit
    ldl, tg, tc = panel.ldl_cholesterol, panel.triglycerides, panel.total_cholesterol
    value_params: Params
    if ldl is not None:
        value_params = (("value", ldl), ("unit", unit))
        if LDL_ABOVE_300.met(ldl, unit):
            params = value_params + LDL_ABOVE_300.params(unit)
            problems.append(
                Problem("ldl_above_300_mg_dl", "ldl_cholesterol", "warning", params)
            )
        if not LDL_AT_OR_ABOVE_40.met(ldl, unit):
            params = value_params + _below(LDL_AT_OR_ABOVE_40, unit)
            problems.append(
                Problem("ldl_below_40_mg_dl", "ldl_cholesterol", "warning", params)
            )
    if tg is not None and TG_AT_OR_ABOVE_500.met(tg, unit):
        params = (("value", tg), ("unit", unit), *TG_AT_OR_ABOVE_500.params(unit))
        problems.append(
            Problem("tg_at_or_above_500_mg_dl", "triglycerides", "warning", params)
        )
    if tc is not None and unit is _MG and tc <= TC_QUERY_MG_DL:
        params = (("value", tc), ("unit", unit))
        problems.append(
            Problem("tc_looks_like_mmol_l", "total_cholesterol", "query", params)
        )
    return problems


def _below(threshold: Threshold, unit: Unit) -> Params:
    """Params reading "value < limit" for a warning on the low side."""
    return (("op", threshold.operator.negation), *threshold.params(unit)[2:])


def check_panel(panel: LipidPanel) -> tuple[Problem, ...]:
    """Every plausibility problem of `panel`: errors, warnings and queries."""
    return tuple(_ranges(panel) + _consistency(panel) + _warnings(panel))


def has_error(problems: tuple[Problem, ...]) -> bool:
    """True if any problem rejects the panel."""
    return any(problem.severity == "error" for problem in problems)
