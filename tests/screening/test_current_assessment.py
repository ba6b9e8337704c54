"""The current assessment is the one for the latest sample, not the one entered
last; results and assessments list newest sample first."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from tests.personas import child_page, record_result

pytestmark = pytest.mark.django_db


def test_an_older_sample_entered_later_does_not_replace_the_current_assessment(
    ped_a: Any, child_a: Any
) -> None:
    record_result(
        ped_a,
        child_a,
        sample_date=date(2026, 11, 2),
        total_cholesterol=Decimal("7.9"),
        ldl_cholesterol=Decimal("5.6"),
    )
    # A result from an earlier visit, typed in afterwards.
    record_result(ped_a, child_a, sample_date=date(2026, 3, 9))
    html = child_page(ped_a, child_a)
    current = re.search(
        r'id="latest-assessment".*?data-outcome="([a-z_]+)"', html, re.S
    )
    assert current is not None
    assert current.group(1) == "positive"
    table = re.search(r'<table id="results">.*?</table>', html, re.S)
    assert table is not None
    dates = re.findall(r"<td>(\d{4}-\d{2}-\d{2})</td>", table.group(0))
    assert dates == ["2026-11-02", "2026-03-09"]
    cards = re.findall(r'class="card assessment".*?(\d{4}-\d{2}-\d{2}) ·', html, re.S)
    assert cards == ["2026-11-02", "2026-03-09"]
