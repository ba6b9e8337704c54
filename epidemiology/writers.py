"""Writers of published tables: CSV, XLSX and Parquet, one file per table.

A hidden count (or a statistic of a hidden group) is null in the frame and an
empty cell in CSV and XLSX, a null in Parquet; never a number. Text cells that
a spreadsheet would run as a formula (= + - @, a tab or a carriage return first)
are written with a leading apostrophe in CSV and XLSX (OWASP's CSV injection
advice); Parquet is data, not a sheet, and keeps them as they are.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

FORMATS = ("csv", "xlsx", "parquet")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with every text cell that starts like a formula prefixed by '."""
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_numeric_dtype(out[column]) or pd.api.types.is_bool_dtype(
            out[column]
        ):
            continue
        out[column] = out[column].map(_neutral_cell, na_action="ignore")
    out.columns = [_neutral_cell(str(name)) for name in out.columns]
    return out


def _neutral_cell(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def write_table(frame: pd.DataFrame, path: Path, file_format: str) -> Path:
    """Write `frame` to `path` (its suffix set to the format); return the path."""
    if file_format not in FORMATS:
        raise ValueError(f"Unknown format {file_format!r}; use one of {FORMATS}.")
    target = path.with_suffix(f".{file_format}")
    if file_format == "csv":
        neutralise(frame).to_csv(target, index=False, na_rep="", encoding="utf-8")
    elif file_format == "xlsx":
        # Cells go in as values: openpyxl would read a leading = as a formula,
        # which `neutralise` has already ruled out.
        neutralise(frame).astype(object).where(frame.notna(), None).to_excel(
            target, index=False, sheet_name=target.stem[:31], engine="openpyxl"
        )
    else:
        frame.to_parquet(target, index=False, engine="pyarrow")
    return target
