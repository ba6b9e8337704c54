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


# The ranges in mmol/L as DOMAIN §3d prints them, shown to readers; values are
# compared with the mg/dL limits above.
PRINTED_RANGES: dict[str, tuple[Decimal, Decimal]] = {
    "total_cholesterol": (Decimal("1.03"), Decimal("31.0")),
    "ldl_cholesterol": (Decimal("0.26"), Decimal("25.9")),
    "hdl_cholesterol": (Decimal("0.13"), Decimal("3.88")),
    "triglycerides": (Decimal("0.11"), Decimal("56.5")),
}


def _in_range(value: Decimal, unit: Unit, name: str) -> bool:
    low, high = RANGES[name]
    return low.met(value, unit) and not high.met(value, unit)


def _tc_queried(tc: Decimal, unit: Unit) -> bool:
    return unit is _MG and tc <= TC_QUERY_MG_DL


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
        if not _in_range(value, unit, name):
            params: Params = (
                ("field", name),
                ("value", value),
                ("unit", unit),
                ("low", PRINTED_RANGES[name][0] if unit is Unit.MMOL_L else low.value),
                (
                    "high",
                    PRINTED_RANGES[name][1] if unit is Unit.MMOL_L else high.value,
                ),
            )
            if unit is Unit.MMOL_L:  # the mg/dL range decides: name it
                params += (("low_mg_dl", low.value), ("high_mg_dl", high.value))
            other = Unit.MG_DL if unit is Unit.MMOL_L else Unit.MMOL_L
            # A TC of at most 20 mg/dL has its own query naming mmol/L.
            queried = name == "total_cholesterol" and _tc_queried(value, unit)
            if _in_range(value, other, name) and not queried:
                params += (("hint_unit", other),)
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
    if tc is not None and _tc_queried(tc, unit):
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
