"""Show stored mmol/L values in the user's preferred unit."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils.formats import number_format

from screening.rules import Analyte, Unit, to_mg_dl

register = template.Library()


def _shown(value_mmol_l: Decimal | None, unit: str, analyte: Analyte) -> str:
    """2 decimals in mmol/L, whole mg/dL, written as the reader's language writes
    numbers (5,30 in German)."""
    if value_mmol_l is None:
        return "–"
    if unit == Unit.MG_DL:
        mg_dl = to_mg_dl(value_mmol_l, Unit.MMOL_L, analyte)
        return number_format(mg_dl.quantize(Decimal(1)), decimal_pos=0)
    return number_format(value_mmol_l.quantize(Decimal("0.01")), decimal_pos=2)


@register.filter
def cholesterol_in(value_mmol_l: Decimal | None, unit: str) -> str:
    """Cholesterol (TC, LDL-C, HDL-C) for display in the user's unit."""
    return _shown(value_mmol_l, unit, Analyte.CHOLESTEROL)


@register.filter
def triglycerides_in(value_mmol_l: Decimal | None, unit: str) -> str:
    """Triglycerides for display in the user's unit."""
    return _shown(value_mmol_l, unit, Analyte.TRIGLYCERIDES)
