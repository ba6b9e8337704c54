"""EAS 2026: > 4.5 (A), > 3.5 + family (B), > 3.0 + genetic parent (C); strict."""

import pytest

from screening.rules import FamilyHistory, Outcome, get_ruleset
from tests.screening.rules.builders import MG, MMOL, person

EAS = get_ruleset("eas2026")
CHD = (FamilyHistory.RELATIVE_PREMATURE_CHD,)
GENETIC = (FamilyHistory.PARENT_GENETIC_FH,)


@pytest.mark.parametrize(
    ("ldl", "unit", "family", "outcome", "criterion"),
    [
        ("4.5", MMOL, (), Outcome.NEGATIVE, ""),
        ("4.51", MMOL, (), Outcome.POSITIVE, "A"),
        ("174.015", MG, (), Outcome.NEGATIVE, ""),
        ("174.02", MG, (), Outcome.POSITIVE, "A"),
        ("3.5", MMOL, CHD, Outcome.NEGATIVE, ""),
        ("3.51", MMOL, CHD, Outcome.POSITIVE, "B"),
        ("135.345", MG, CHD, Outcome.NEGATIVE, ""),
        ("135.35", MG, CHD, Outcome.POSITIVE, "B"),
        ("3.0", MMOL, GENETIC, Outcome.NEGATIVE, ""),
        ("3.01", MMOL, GENETIC, Outcome.POSITIVE, "C"),
        ("116.01", MG, GENETIC, Outcome.NEGATIVE, ""),
        ("116.02", MG, GENETIC, Outcome.POSITIVE, "C"),
        ("3.51", MMOL, (), Outcome.NEGATIVE, ""),
    ],
)
def test_strict_boundaries(ldl, unit, family, outcome, criterion):
    result = EAS.evaluate(person(ldl, unit=unit, family=family))
    assert (result.outcome, result.criterion) == (outcome, criterion)


def test_single_value_never_asks_for_a_repeat():
    assert EAS.evaluate(person("6.0")).outcome is Outcome.POSITIVE
    assert EAS.evaluate(person("6.0", "4.0")).outcome is Outcome.POSITIVE


def test_negative_reason_uses_the_strict_complement():
    result = EAS.evaluate(person("4.5"))
    assert result.reasons_text("en")[0] == (
        "Criterion A not met: LDL-C 4.5 mmol/L ≤ 4.5 mmol/L"
    )
