"""Show stored mmol/L values in the user's preferred unit."""

from __future__ import annotations

from decimal import Decimal

from django import template

from screening.rules import Analyte, Unit, to_mg_dl

register = template.Library()


def _shown(value_mmol_l: Decimal | None, unit: str, analyte: Analyte) -> str:
    """2 decimals in mmol/L, whole mg/dL."""
    if value_mmol_l is None:
        return "–"
    if unit == Unit.MG_DL:
        return f"{to_mg_dl(value_mmol_l, Unit.MMOL_L, analyte):.0f}"
    return f"{value_mmol_l:.2f}"


@register.filter
def cholesterol_in(value_mmol_l: Decimal | None, unit: str) -> str:
    """Cholesterol (TC, LDL-C, HDL-C) for display in the user's unit."""
    return _shown(value_mmol_l, unit, Analyte.CHOLESTEROL)


@register.filter
def triglycerides_in(value_mmol_l: Decimal | None, unit: str) -> str:
    """Triglycerides for display in the user's unit."""
    return _shown(value_mmol_l, unit, Analyte.TRIGLYCERIDES)
