"""Simon Broome (NICE CG71): TC > 6.7 or LDL-C > 4.0 under 16; > 7.5 / > 4.9 from 16."""

import pytest

from screening.rules import (
    Case,
    FamilyHistory,
    LdlMethod,
    Occasion,
    Outcome,
    Sex,
    VariantClass,
    get_ruleset,
)
from tests.screening.rules.builders import MG, MMOL, panel, person

SB = get_ruleset("simon-broome-paediatric")
ADULT = get_ruleset("simon-broome-adult")
MI = (FamilyHistory.PARENT_PREMATURE_CHD,)
TC_FAMILY = (FamilyHistory.PARENT_HIGH_CHOLESTEROL,)
XANTHOMA = (FamilyHistory.RELATIVE_TENDON_XANTHOMA,)


@pytest.mark.parametrize(
    ("ldl", "unit", "family", "outcome", "criterion"),
    [
        ("4.0", MMOL, MI, Outcome.NEGATIVE, ""),
        ("4.01", MMOL, MI, Outcome.POSITIVE, "possible"),
        ("154.68", MG, MI, Outcome.NEGATIVE, ""),
        ("154.69", MG, MI, Outcome.POSITIVE, "possible"),
        ("4.01", MMOL, TC_FAMILY, Outcome.POSITIVE, "possible"),
        ("4.01", MMOL, XANTHOMA, Outcome.DEFINITE, "xanthoma"),
        ("4.01", MMOL, (), Outcome.NEGATIVE, ""),
        ("4.01", MMOL, (FamilyHistory.RELATIVE_PREMATURE_CHD,), Outcome.NEGATIVE, ""),
    ],
)
def test_paediatric_ldl_limb(ldl, unit, family, outcome, criterion):
    result = SB.evaluate(person(ldl, unit=unit, family=family))
    assert (result.outcome, result.criterion) == (outcome, criterion)


@pytest.mark.parametrize(
    ("tc", "unit", "outcome"),
    [
        ("6.7", MMOL, Outcome.NEEDS_DIRECT_LDL),
        ("6.71", MMOL, Outcome.POSITIVE),
        ("259.089", MG, Outcome.NEEDS_DIRECT_LDL),
        ("259.09", MG, Outcome.POSITIVE),
    ],
)
def test_tc_limb_needs_no_ldl(tc, unit, outcome):
    # TG at the Friedewald limit: no usable LDL-C, only TC can decide
    tg = "4.5" if unit is MMOL else "400"
    hdl = "1.0" if unit is MMOL else "40"
    case = person(unit=unit, family=MI, tc=tc, hdl=hdl, tg=tg)
    result = SB.evaluate(case)
    assert result.outcome is outcome


def test_lipid_alone_is_negative_and_says_so():
    result = SB.evaluate(person("4.5"))
    assert result.reasons_text("en") == (
        "LDL-C 4.5 mmol/L > 4.0 mmol/L: Simon Broome lipid criterion met",
        "Lipid criterion met, but no qualifying family history or xanthoma: a raised "
        "value alone is negative under Simon Broome",
    )


def test_own_xanthoma_and_genetics():
    case = person("4.5")
    with_xanthoma = Case(Sex.M, case.occasions, tendon_xanthoma=True)
    result = SB.evaluate(with_xanthoma)
    assert (result.outcome, result.criterion) == (Outcome.DEFINITE, "xanthoma")
    assert result.reasons_text("en")[1] == (
        "Lipid criterion met and tendon xanthoma (own) → definite FH (Simon Broome)"
    )
    genetic = SB.evaluate(person("2.0", variant=VariantClass.PATHOGENIC))
    assert (genetic.outcome, genetic.criterion) == (Outcome.DEFINITE, "genetic")


def test_secondary_cause_defers_even_with_xanthoma():
    case = Case(
        Sex.F,
        (Occasion(person("4.5").occasions[0].age_years, panel("4.5")),),
        secondary_cause="cholestasis",
        tendon_xanthoma=True,
    )
    assert SB.evaluate(case).outcome is Outcome.DEFERRED


@pytest.mark.parametrize(
    ("ldl", "age", "outcome"),
    [
        ("4.9", "30", Outcome.NEGATIVE),
        ("4.91", "30", Outcome.POSITIVE),
        ("4.91", "15.99", Outcome.NOT_ELIGIBLE),
        ("4.91", "16", Outcome.POSITIVE),
    ],
)
def test_adult_limits_and_age(ldl, age, outcome):
    assert ADULT.evaluate(person(ldl, age=age, family=MI)).outcome is outcome


def test_paediatric_upper_age():
    assert SB.evaluate(person("5", age="16", family=MI)).outcome is Outcome.NOT_ELIGIBLE
    assert SB.evaluate(person("5", age="15.99", family=MI)).outcome is Outcome.POSITIVE


def test_unknown_method_with_high_tg_needs_direct_ldl():
    case = person("5.0", family=MI, tg="4.6", method=LdlMethod.UNKNOWN)
    result = SB.evaluate(case)
    assert result.outcome is Outcome.NEEDS_DIRECT_LDL
    assert result.reasons_text("en") == (
        "TG 4.6 mmol/L ≥ 4.5 mmol/L: calculated or unstated-method LDL-C is not "
        "valid, direct LDL-C needed",
    )
