"""Cells the registry writes into CSV and XLSX files are never read as formulas
(OWASP CSV injection): a text cell starting with = + - @ tab or CR gets a
leading apostrophe. Numbers stay numbers ("-1.5" is a value, not a formula)."""

from __future__ import annotations

import re
from typing import Any

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?")


def neutral(value: Any) -> Any:
    """`value` as safe to put in a spreadsheet cell."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        if _NUMBER.fullmatch(value.strip()):
            return value
        return "'" + value
    return value
