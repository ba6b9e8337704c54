"""VRONI: LDL-C ≥ 130 mg/dL (3.36 mmol/L published), ages 5 ≤ a < 15."""

from decimal import Decimal

import pytest

from screening.rules import Outcome, get_ruleset
from tests.screening.rules.builders import MG, MMOL, person

VRONI = get_ruleset("vroni")


@pytest.mark.parametrize(
    ("ldl", "unit", "outcome"),
    [
        ("130", MG, Outcome.POSITIVE),
        ("129.9", MG, Outcome.NEGATIVE),
        ("3.36", MMOL, Outcome.POSITIVE),
        ("3.35", MMOL, Outcome.NEGATIVE),
    ],
)
def test_threshold_boundary_in_both_units(ldl, unit, outcome):
    result = VRONI.evaluate(person(ldl, unit=unit, age="9"))
    assert result.outcome is outcome
    assert result.criterion == ("threshold" if outcome is Outcome.POSITIVE else "")
    assert result.ruleset_id == "vroni"
    assert result.ruleset_version == "2026.1"


@pytest.mark.parametrize(
    ("age", "outcome"),
    [
        ("4.99", Outcome.NOT_ELIGIBLE),
        ("5", Outcome.POSITIVE),
        ("14.99", Outcome.POSITIVE),
        ("15", Outcome.NOT_ELIGIBLE),
    ],
)
def test_age_range_is_half_open(age, outcome):
    assert VRONI.evaluate(person("150", unit=MG, age=age)).outcome is outcome


def test_reasons_name_the_numbers_in_both_languages():
    result = VRONI.evaluate(person("3.36", unit=MMOL, age="9"))
    assert result.reasons_text("en") == (
        "LDL-C 3.36 mmol/L ≥ 3.36 mmol/L (130 mg/dL) → LDL-C threshold",
    )
    assert result.reasons_text("de") == (
        "LDL-C 3,36 mmol/L ≥ 3,36 mmol/L (130 mg/dL) → LDL-C-Schwelle",
    )
    assert result.ldl_mmol_l == Decimal("3.36")
    assert result.ldl_source == "direct"


def test_negative_reason_and_not_eligible_reason():
    negative = VRONI.evaluate(person("129.9", unit=MG, age="9"))
    assert negative.reasons_text("en") == (
        "LDL-C threshold not met: LDL-C 129.9 mg/dL < 130 mg/dL",
    )
    too_young = VRONI.evaluate(person("129.9", unit=MG, age="4.99"))
    assert too_young.reasons_text("en") == (
        "Age 4.99 years is outside the age range of vroni (5 ≤ age < 15 years)",
    )


def test_one_value_suffices_on_any_occasion():
    result = VRONI.evaluate(person("140", "120", unit=MG, age="9"))
    assert result.outcome is Outcome.POSITIVE
    assert result.ldl_mmol_l == Decimal("140") / Decimal("38.67")
