"""The PDF report opens, reads in German and in English, states its methods and
suppression rules, and publishes no small count and no child."""

from __future__ import annotations

import io
import re
from datetime import date
from typing import Any

import pandas as pd
import pytest
from pypdf import PdfReader

from epidemiology import report
from fh_registry.models import Practice
from tests.epidemiology.test_extract import seed_children

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry(cast: dict[str, Any]) -> list[Any]:
    """40 children of DEMO-A: 31 negative, 6 positive (hidden), 3 definite."""
    practice = Practice.objects.get(code="DEMO-A")
    rows = []
    for i in range(40):
        outcome, ldl = "negative", "2.4"
        if i < 6:
            outcome, ldl = "positive", "5.2"
        elif i < 9:
            outcome, ldl = "definite", "6.1"
        rows.append(
            (practice, "FM"[i % 2], date(2016, 3, 1), date(2025, 4, 2), outcome, ldl)
        )
    return seed_children(rows, cast["ped_a"])


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_the_english_report_opens_and_states_figures_methods_and_rules(
    registry: list[Any],
) -> None:
    pdf = report.build_report(ruleset_id="eas2026", language="en", minimum=10)

    assert pdf.startswith(b"%PDF")
    text = _text(pdf)
    for heading in (
        "FH screening registry: statistics report",
        "Headline figures",
        "Children by current outcome",
        "LDL-C distribution (mmol/L) with the rule sets' thresholds",
        "Screening samples per quarter",
        "Cascade screening: relatives by invitation state",
        "Methods",
        "Suppression rules",
    ):
        assert heading in text, heading
    assert "Counts from 1 to 9 are shown as *" in text
    assert re.search(r"negative\s+31", text)
    # 6 positive and 3 definite children: both hidden, and the total with them.
    assert re.search(r"positive\s+\*", text)
    assert re.search(r"definite FH\s+\*", text)
    assert re.search(r"Total\s+\*", text)
    assert re.search(r"Children screened\s+\*", text)
    # Each paediatric rule set's threshold is drawn on the LDL-C chart.
    for label in ("eas2026 4.50", "vroni 3.36", "eas2026 3.50"):
        assert label in text, label


def test_the_german_report_reads_in_german(registry: list[Any]) -> None:
    text = _text(report.build_report(ruleset_id="eas2026", language="de", minimum=10))

    for heading in (
        "FH-Screening-Register: Statistikbericht",
        "Kennzahlen",
        "Kinder nach aktuellem Ergebnis",
        "Verteilung des LDL-C (mmol/L) mit den Schwellen der Regelwerke",
        "Screening-Proben je Quartal",
        "Methoden",
        "Regeln der Geheimhaltung",
    ):
        assert heading in text, heading
    assert "Fallzahlen von 1 bis 9 werden als * gezeigt" in text
    assert "negativ" in text
    assert "Headline figures" not in text


def test_the_report_names_no_child(registry: list[Any]) -> None:
    text = _text(report.build_report(ruleset_id="eas2026", language="en", minimum=10))

    for person in registry:
        assert person.pseudonym not in text
        assert person.practice_patient_number not in text
    assert "Quirina" not in text
    assert "DEMO-A" not in text


def test_outer_ldl_bins_widen_until_they_hold_the_minimum() -> None:
    values = pd.Series([0.5] * 3 + [2.2] * 12 + [4.0] * 10 + [9.0] * 4)

    bins = report.ldl_bins(values, minimum=10)

    # 3 below 1.0 join the bins up to 2.0-2.5 (15 -> 15); 4 above 8.0 join down
    # to 4.0-4.5 (14 -> 15, rounded to 5).
    assert bins[0] == ("< 2.5", 15)
    assert bins[-1] == (">= 4.0", 15)
    assert all(count is None or count % 5 == 0 for _, count in bins)


def test_progress_is_reported_up_to_done(registry: list[Any]) -> None:
    heard: list[float] = []

    report.build_report(
        ruleset_id="eas2026", language="en", minimum=10, progress=heard.append
    )

    assert heard == sorted(heard)
    assert heard[-1] == 1.0
