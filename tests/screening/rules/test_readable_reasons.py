"""Reasons show thresholds as the source prints them and ranges as DOMAIN prints
them, while every comparison stays exact; a value that fits the other unit is
asked about."""

from __future__ import annotations

from decimal import Decimal

import pytest

from screening import rules
from screening.rules import Case, LdlMethod, LipidPanel, Occasion, Sex, Unit


def _reasons(ruleset: str, ldl: str, unit: Unit, lang: str = "en") -> list[str]:
    panel = LipidPanel(
        unit=unit,
        total_cholesterol=None,
        ldl_cholesterol=Decimal(ldl),
        ldl_method=LdlMethod.DIRECT,
        hdl_cholesterol=None,
        triglycerides=None,
    )
    case = Case(sex=Sex("F"), occasions=(Occasion(Decimal("9"), panel),))
    return list(rules.get_ruleset(ruleset).evaluate(case).reasons_text(lang))


@pytest.mark.parametrize(
    ("ruleset", "ldl", "shown"),
    [
        ("eas2026", "160", "LDL-C 160 mg/dL ≤ 175 mg/dL (4.5 mmol/L)"),
        ("eas2026", "180", "LDL-C 180 mg/dL > 175 mg/dL (4.5 mmol/L) → criterion A"),
        ("eas2015", "150", "LDL-C 150 mg/dL < 190 mg/dL (5.0 mmol/L)"),
    ],
)
def test_mg_dl_limits_read_as_the_guideline_prints_them(
    ruleset: str, ldl: str, shown: str
) -> None:
    assert any(shown in reason for reason in _reasons(ruleset, ldl, Unit.MG_DL))


def test_between_printed_and_exact_the_exact_limit_is_shown() -> None:
    # 174.5 mg/dL > 174.015 (= 4.5 x 38.67) meets A, though below the printed 175.
    reasons = _reasons("eas2026", "174.5", Unit.MG_DL)
    assert reasons == ["LDL-C 174.5 mg/dL > 174.015 mg/dL (4.5 mmol/L) → criterion A"]
    german = _reasons("eas2026", "174.5", Unit.MG_DL, "de")
    assert german == ["LDL-C 174,5 mg/dL > 174,015 mg/dL (4,5 mmol/L) → Kriterium A"]


def _problems(unit: Unit, **values: str) -> list[str]:
    panel = LipidPanel(
        unit=unit,
        total_cholesterol=Decimal(values["tc"]) if "tc" in values else None,
        ldl_cholesterol=Decimal(values["ldl"]) if "ldl" in values else None,
        ldl_method=LdlMethod.DIRECT,
        hdl_cholesterol=None,
        triglycerides=None,
    )
    return [problem.text("en") for problem in rules.check_panel(panel)]


def test_ranges_read_as_printed_without_approximation_marks() -> None:
    problem = _problems(Unit.MMOL_L, ldl="0.1")[0]
    assert problem == (
        "LDL-C 0.1 mmol/L is outside the plausible range 0.26–25.9 mmol/L "
        "(10–1000 mg/dL)"
    )
    assert "≈" not in problem


def test_a_value_that_fits_the_other_unit_is_asked_about() -> None:
    problems = _problems(Unit.MMOL_L, tc="180")
    assert problems == [
        "TC 180 mmol/L is outside the plausible range 1.03–31.0 mmol/L "
        "(40–1200 mg/dL); did you mean mg/dL?"
    ]
    assert _problems(Unit.MG_DL, tc="25") == [
        "TC 25 mg/dL is outside the plausible range 40–1200 mg/dL; did you mean mmol/L?"
    ]
