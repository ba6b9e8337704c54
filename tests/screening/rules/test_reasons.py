"""Reason texts: values shown exactly as entered, whatever was rendered before."""

from decimal import ROUND_HALF_UP, Decimal, localcontext

import pytest
from hypothesis import given
from hypothesis import strategies as st

from screening.rules import get_ruleset
from screening.rules.reasons import LANGUAGES, TEMPLATES, _render, cents, render

from .builders import person

PAEDIATRIC = ("vroni", "eas2015", "eas2026", "simon-broome-paediatric")


@pytest.mark.parametrize("ruleset_id", PAEDIATRIC)
def test_evaluations_keep_the_entered_digits_whatever_came_before(ruleset_id):
    # 3.1 and 3.10 are equal Decimals but render differently: each evaluation
    # must carry the value as entered, not an equal earlier one.
    ruleset = get_ruleset(ruleset_id)
    for value in ("3.1", "3.10", "3.1", "3.100", "3.10"):
        reasons = ruleset.evaluate(person(value, age="10")).reasons
        assert f"Decimal('{value}')" in repr(reasons)
        assert f"Decimal('{value}0')" not in repr(reasons)


def test_reason_text_keeps_the_entered_digits_whatever_was_rendered_before() -> None:
    params_short = (("value", Decimal("3.1")), ("unit", "mmol/L"))
    params_long = (("value", Decimal("3.10")), ("unit", "mmol/L"))
    first = render("ldl_below_40_mg_dl", params_short, "en")
    second = render("ldl_below_40_mg_dl", params_long, "en")
    assert "3.1 " in first
    assert "3.10 " in second


def test_equal_params_of_different_types_render_as_given() -> None:
    # 1 == True == Decimal("1.0"), and these tuples are equal and hash alike.
    found_decimal = (("found", Decimal("1.0")), ("expected", 1))
    expected_decimal = (("found", 1), ("expected", Decimal("1.0")))
    assert found_decimal == expected_decimal
    assert render("malformed_row", found_decimal) == (
        "Row has 1.0 fields, the header has 1"
    )
    assert render("malformed_row", expected_decimal) == (
        "Row has 1 fields, the header has 1.0"
    )
    category = ("category", "possible")
    assert render("dlcn_total", (("score", True), category)) == (
        "DLCN score True → possible FH (3–5)"
    )
    assert render("dlcn_total", (("score", 1), category)) == (
        "DLCN score 1 → possible FH (3–5)"
    )


# Classes of values that are equal (and hash alike) but render differently, so
# a cache keyed by equality alone would hand back the text of an earlier one.
_EQUAL_CLASSES = (
    (0, False, Decimal("0"), Decimal("-0"), Decimal("0.0"), Decimal("0E+1")),
    (1, True, Decimal("1"), Decimal("1.0"), Decimal("1.00"), Decimal("1E0")),
    (Decimal("3.1"), Decimal("3.10"), Decimal("3.100")),
    (Decimal("4.00001"),),
    ("mmol/L",),
    ("parent_premature_chd",),
)
_NAMES = ("value", "previous", "found", "expected", "score", "points", "limit")


@st.composite
def _equal_twins(draw):
    """Two params tuples that are equal, each value drawn from the same class."""
    first, second = [], []
    for _ in range(draw(st.integers(min_value=1, max_value=5))):
        name = draw(st.sampled_from(_NAMES))
        values = draw(st.sampled_from(_EQUAL_CLASSES))
        first.append((name, draw(st.sampled_from(values))))
        second.append((name, draw(st.sampled_from(values))))
    return tuple(first), tuple(second)


@given(st.sampled_from(sorted(TEMPLATES)), _equal_twins(), st.sampled_from(LANGUAGES))
def test_cached_rendering_equals_uncached_rendering(code, twins, lang):
    uncached = _render.__wrapped__
    first, second = twins
    assert first == second
    for params in (first, second, first):
        assert render(code, params, lang) == uncached(code, params, lang, ())


@pytest.mark.parametrize(
    "value",
    [
        *("0", "-0", "0.005", "2.675", "-2.675", "3.3618", "1E-30"),
        *("1E+23", "9.99999E+23", "1E+24", "123456789012345678901234.565"),
    ],
)
def test_cents_rounds_half_up(value):
    number = Decimal(value)
    with localcontext() as context:
        context.prec = max(28, number.adjusted() + 4)
        expected = format(number.quantize(Decimal("0.01"), ROUND_HALF_UP), "f")
    assert cents(number) == expected
