"""Generalisation of the statistics frames: the labels each row falls under,
whether the column arrives Arrow-backed (PostgreSQL) or as plain objects
(SQLite)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import pandas as pd
import pyarrow as pa
import pytest

from epidemiology import tables


def _arrow(values: Sequence[object], kind: pa.DataType) -> pd.Series:
    return pd.Series(pa.array(values, type=kind), dtype=pd.ArrowDtype(kind))


@pytest.mark.parametrize("arrow", [True, False])
def test_region_is_the_district_else_the_postcode_region_else_unknown(
    arrow: bool,
) -> None:
    districts = ["Oberbayern", None, "", None, "Oberbayern", "  "]
    prefixes = ["803", "8041", "904", None, None, ""]
    if arrow:
        district = _arrow(districts, pa.string())
        prefix = _arrow(prefixes, pa.string())
    else:
        district = pd.Series(districts, dtype=object)
        prefix = pd.Series(prefixes, dtype=object)

    assert list(tables.region(district, prefix).astype(object)) == [
        "Oberbayern",
        "postcode 804",
        "postcode 904",
        "unknown",
        "Oberbayern",
        "unknown",
    ]


def test_age_band_counts_completed_years_on_the_sample_date() -> None:
    birth = _arrow([date(2016, 3, 2)] * 3 + [date(1980, 1, 1)], pa.date32())
    on = _arrow(
        [date(2021, 3, 1), date(2021, 3, 2), date(2034, 3, 2), date(2026, 6, 1)],
        pa.date32(),
    )
    assert list(tables.age_band(birth, on).astype(object)) == [
        "0–4",
        "5–9",
        "18–29",
        "40–49",
    ]


def test_quarters_and_ldl_bins_label_every_row_and_keep_missing_values() -> None:
    dates = _arrow(
        [date(2026, 3, 31), date(2026, 4, 1), date(2025, 12, 1)], pa.date32()
    )
    assert list(tables.quarter(dates).astype(object)) == [
        "2026-Q1",
        "2026-Q2",
        "2025-Q4",
    ]
    assert tables.quarters_between(tables.quarter(dates)) == [
        "2025-Q4",
        "2026-Q1",
        "2026-Q2",
    ]

    ldl = _arrow([0.4, 1.0, 3.12, 9.5, None], pa.float64())
    bins = tables.ldl_bin(ldl)
    assert list(bins.astype(object)[:4]) == [
        "< 1.00",
        "1.00–1.25",
        "3.00–3.25",
        "≥ 8.00",
    ]
    assert pd.isna(bins.iloc[4])
