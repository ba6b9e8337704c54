"""Unit conversion, §3a comparisons and decimal ages."""

from datetime import date
from decimal import Decimal

import pytest

from screening.rules import Analyte, Operator, Threshold, Unit, age_in_years
from screening.rules.units import to_mg_dl, to_mmol_l

D = Decimal
MMOL, MG = Unit.MMOL_L, Unit.MG_DL
CHOL, TG = Analyte.CHOLESTEROL, Analyte.TRIGLYCERIDES


def test_conversion_factors_are_exact_and_unrounded():
    assert to_mg_dl(D("4.0"), MMOL, CHOL) == D("154.680")
    assert to_mg_dl(D("1"), MMOL, TG) == D("88.57")
    assert to_mmol_l(D("154.68"), MG, CHOL) == D("4")
    assert to_mmol_l(D("130"), MG, CHOL) == D("130") / D("38.67")
    assert to_mmol_l(D("3.1"), MMOL, CHOL) == D("3.1")


GE_4 = Threshold(CHOL, D("4.0"), MMOL, Operator.GE, "test ≥ 4.0")
GT_300_MG = Threshold(CHOL, D("300"), MG, Operator.GT, "test > 300 mg/dL")
VRONI_LIKE = Threshold(
    CHOL, D("130"), MG, Operator.GE, "vroni", equivalents=((MMOL, D("3.36")),)
)


@pytest.mark.parametrize(
    ("threshold", "value", "unit", "met"),
    [
        (GE_4, "4.0", MMOL, True),
        (GE_4, "3.99", MMOL, False),
        (GE_4, "154.68", MG, True),
        (GE_4, "154.67", MG, False),
        (GT_300_MG, "300", MG, False),
        (GT_300_MG, "300.1", MG, True),
        # 7.7579 x 38.67 = 299.9929; 7.7581 x 38.67 = 300.0057
        (GT_300_MG, "7.7579", MMOL, False),
        (GT_300_MG, "7.7581", MMOL, True),
        (VRONI_LIKE, "3.36", MMOL, True),  # published equivalent, not 130/38.67
        (VRONI_LIKE, "3.35", MMOL, False),
        (VRONI_LIKE, "130", MG, True),
        (VRONI_LIKE, "129.9", MG, False),
    ],
)
def test_threshold_compares_by_section_3a(threshold, value, unit, met):
    assert threshold.met(D(value), unit) is met


def test_threshold_limits_in_both_units():
    assert GE_4.limit_in(MG) == D("154.68")
    assert GE_4.is_exact_in(MG)
    assert not GT_300_MG.is_exact_in(MMOL)
    assert VRONI_LIKE.limit_in(MMOL) == D("3.36")
    assert VRONI_LIKE.is_published_in(MMOL)
    assert not GE_4.is_published_in(MG)


@pytest.mark.parametrize(
    ("birth", "on", "age"),
    [
        (date(2015, 3, 10), date(2020, 3, 10), D(5)),
        (date(2015, 3, 10), date(2030, 3, 10), D(15)),
        (date(2016, 2, 29), date(2021, 2, 28), D(5)),
        (date(2015, 1, 1), date(2015, 7, 2), D(182) / D(365)),
    ],
)
def test_age_in_years_counts_birthdays_exactly(birth, on, age):
    assert age_in_years(birth, on) == age


def test_age_just_before_birthday_is_below_the_whole_year():
    age = age_in_years(date(2015, 3, 10), date(2030, 3, 9))
    assert D(14) < age < D(15)


def test_age_before_birth_is_an_error():
    with pytest.raises(ValueError, match="before birth"):
        age_in_years(date(2020, 1, 2), date(2020, 1, 1))
