"""DLCN (Nordestgaard 2013, Table 3): points per group, categories, outcomes."""

from decimal import Decimal

import pytest

from screening.rules import (
    Case,
    FamilyHistory,
    LipidLoweringTreatment,
    Occasion,
    Outcome,
    Sex,
    VariantClass,
    get_ruleset,
)
from tests.screening.rules.builders import MG, MMOL, panel

DLCN = get_ruleset("dlcn")


def adult(*ldl: str, unit=MMOL, family=(), variant=None, **findings) -> Case:
    occasions = tuple(Occasion(Decimal("40"), panel(value, unit)) for value in ldl)
    return Case(Sex.M, occasions, frozenset(family), variant, None, **findings)


@pytest.mark.parametrize(
    ("ldl", "unit", "points"),
    [
        ("3.99", MMOL, 0),
        ("4.0", MMOL, 1),
        ("4.99", MMOL, 1),
        ("5.0", MMOL, 3),
        ("6.49", MMOL, 3),
        ("6.5", MMOL, 5),
        ("8.49", MMOL, 5),
        ("8.5", MMOL, 8),
        ("154.68", MG, 1),
        ("154.67", MG, 0),
        ("328.695", MG, 8),
        ("328.69", MG, 5),
    ],
)
def test_ldl_bands_are_half_open(ldl, unit, points):
    assert DLCN.evaluate(adult(ldl, unit=unit)).score == points


@pytest.mark.parametrize(
    ("score_items", "score", "outcome", "criterion"),
    [
        ({}, 3, Outcome.NEGATIVE, "possible"),  # LDL 5.0 only
        (
            {"own_premature_cerebral_or_peripheral_vd": True},
            4,
            Outcome.NEGATIVE,
            "possible",
        ),
        ({"own_premature_chd": True}, 5, Outcome.NEGATIVE, "possible"),
        ({"corneal_arcus_before_45": True}, 7, Outcome.POSITIVE, "probable"),
        (
            {"tendon_xanthoma": True, "corneal_arcus_before_45": True},
            9,
            Outcome.POSITIVE,
            "definite",
        ),
    ],
)
def test_categories_and_outcomes(score_items, score, outcome, criterion):
    result = DLCN.evaluate(adult("5.0", **score_items))
    assert (result.score, result.outcome, result.criterion) == (
        score,
        outcome,
        criterion,
    )


def test_highest_item_per_group_and_point_breakdown():
    family = (
        FamilyHistory.FIRST_DEGREE_PREMATURE_CHD,
        FamilyHistory.CHILD_HIGH_LDL,
    )
    result = DLCN.evaluate(
        adult("4.2", "6.6", family=family, variant=VariantClass.LIKELY_PATHOGENIC)
    )
    assert result.score == 5 + 2 + 8
    assert result.ldl_mmol_l == Decimal("6.6")
    assert result.reasons_text("en") == (
        "DLCN LDL-C: highest LDL-C 6.6 mmol/L ≥ 6.5 mmol/L → 5 points",
        "DLCN family history: a child < 18 y in the family with LDL-C > P95 → 2 points",
        "DLCN DNA: own P/LP variant in LDLR/APOB/PCSK9 → 8 points",
        "DLCN score 15 → definite FH (> 8)",
        "DLCN score 15 ≥ 6: positive relative, the cascade extends",
    )


def test_possible_band_asks_for_coordinator_review():
    result = DLCN.evaluate(
        adult(
            "4.0",
            family=(FamilyHistory.FIRST_DEGREE_HIGH_LDL,),
            own_premature_cerebral_or_peripheral_vd=True,
        )
    )
    assert result.score == 3
    assert result.reasons_text("en")[-1] == (
        "DLCN score 3 (3–5, possible FH): coordinator review due"
    )
    assert result.reasons_text("en")[1] == (
        "DLCN family history: LDL-C > P95 in an adult first-degree relative → 1 point"
    )


def test_under_18_is_not_eligible():
    case = Case(Sex.F, (Occasion(Decimal("17.99"), panel("9.0")),))
    result = DLCN.evaluate(case)
    assert result.outcome is Outcome.NOT_ELIGIBLE
    assert result.score is None


def test_treated_value_is_estimated_and_flagged():
    treatment = LipidLoweringTreatment("atorvastatin", Decimal("40"))
    occasion = Occasion(Decimal("45"), panel("3.57"), treatment)
    result = DLCN.evaluate(Case(Sex.F, (occasion,)))
    assert result.alerts == ("estimated_untreated_ldl",)
    assert result.ldl_mmol_l == Decimal("3.57") / Decimal("0.51")  # 7.0
    assert result.score == 5
    assert (
        "LDL-C 3.57 mmol/L on atorvastatin 40 mg: estimated untreated LDL-C 7 mmol/L "
        "(reduction 49 %, Law et al. BMJ 2003 / NICE CG181); an estimate, not a "
        "measurement"
    ) in result.reasons_text("en")


def test_no_ldl_needs_direct_ldl_unless_other_items_reach_6():
    no_ldl = Case(Sex.M, (Occasion(Decimal("40"), panel(None)),), tendon_xanthoma=False)
    assert DLCN.evaluate(no_ldl).outcome is Outcome.NEEDS_DIRECT_LDL
    xanthoma = Case(Sex.M, no_ldl.occasions, tendon_xanthoma=True)
    result = DLCN.evaluate(xanthoma)
    assert (result.outcome, result.score) == (Outcome.POSITIVE, 6)
