"""Dates and numbers follow the reader's language; the chart has round ticks,
sample dates under its axis and labelled thresholds."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from screening.charts import round_step
from tests.personas import child_page, record_result

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_results(ped_a: Any, child_a: Any) -> Any:
    for day, ldl in ((date(2025, 3, 4), "5.3"), (date(2025, 9, 1), "4.75")):
        record_result(
            ped_a,
            child_a,
            sample_date=day,
            total_cholesterol=Decimal("7.1"),
            ldl_cholesterol=Decimal(ldl),
        )
    return child_a


def _cells(html: str) -> list[str]:
    table = re.search(r'<table id="results">.*?</table>', html, re.S)
    assert table is not None
    return re.findall(r"<td[^>]*>([^<]*)", table.group(0))


def test_german_pages_write_german_dates_and_decimal_commas(
    ped_a: Any, two_results: Any
) -> None:
    html = child_page(ped_a, two_results, "de")
    cells = _cells(html)
    assert cells[0] == "01.09.2025"
    assert "4,75" in cells
    assert "7,10" in cells
    svg = re.search(r'<svg class="chart".*?</svg>', html, re.S)
    assert svg is not None
    assert "04.03.2025" in svg.group(0)
    assert "01.09.2025" in svg.group(0)
    assert "Kriterium A &gt; 4,5 mmol/L" in svg.group(0)


def test_english_pages_write_iso_dates_and_decimal_points(
    ped_a: Any, two_results: Any
) -> None:
    html = child_page(ped_a, two_results, "en")
    cells = _cells(html)
    assert cells[0] == "2025-09-01"
    assert "4.75" in cells
    svg = re.search(r'<svg class="chart".*?</svg>', html, re.S)
    assert svg is not None
    assert "criterion A &gt; 4.5 mmol/L" in svg.group(0)
    ticks = re.findall(r'<text class="ytick"[^>]*>([^<]*)<', svg.group(0))
    assert ticks == ["0", "2", "4", "6"]  # LDL-C up to 5.3, threshold 4.5
    dates = re.findall(r'<text class="xtick"[^>]*>([^<]*)<', svg.group(0))
    assert dates == ["2025-03-04", "2025-09-01"]


@pytest.mark.parametrize(
    ("top", "step"),
    [(6.6, 2), (4.5, 1), (255, 100), (0.8, 0.2), (12, 5), (1.0, 0.2)],
)
def test_ticks_step_by_1_2_or_5_times_a_power_of_ten(top: float, step: float) -> None:
    assert round_step(top) == pytest.approx(step)
