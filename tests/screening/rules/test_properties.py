"""Laws: more LDL-C never lowers the outcome; units agree; nothing raises."""

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from screening.rules import (
    RULESETS,
    Case,
    Evaluation,
    FamilyHistory,
    LdlMethod,
    LipidPanel,
    Occasion,
    Outcome,
    Sex,
    Unit,
    VariantClass,
    get_ruleset,
)
from screening.rules.family_prompt import supposing_every_finding
from screening.rules.units import Analyte, to_mg_dl, to_mmol_l

MMOL_RULESETS = [
    "eas2015",
    "eas2026",
    "simon-broome-paediatric",
    "simon-broome-adult",
    "dlcn",
]

ldl_mmol = st.decimals(min_value="0.26", max_value="25", places=2)
ages = st.decimals(min_value="0", max_value="80", places=2)
families = st.frozensets(st.sampled_from(list(FamilyHistory)))
rulesets = st.sampled_from(sorted(RULESETS))


def case(ldl: Decimal, unit: Unit, age: Decimal, family, repeat=None) -> Case:
    occasions = [
        Occasion(age, LipidPanel(unit, None, ldl, LdlMethod.DIRECT, None, None))
    ]
    if repeat is not None:
        occasions.insert(
            0,
            Occasion(age, LipidPanel(unit, None, repeat, LdlMethod.DIRECT, None, None)),
        )
    return Case(Sex.F, tuple(occasions), family)


@settings(max_examples=400)
@given(rulesets, ldl_mmol, ldl_mmol, ages, families, st.none() | ldl_mmol)
def test_more_ldl_never_lowers_the_outcome(ruleset_id, a, b, age, family, earlier):
    low, high = sorted((a, b))
    rules = get_ruleset(ruleset_id)
    first = rules.evaluate(case(low, Unit.MMOL_L, age, family, earlier))
    second = rules.evaluate(case(high, Unit.MMOL_L, age, family, earlier))
    assert Outcome.REJECTED not in (first.outcome, second.outcome)
    assert second.outcome.severity >= first.outcome.severity
    if first.score is not None and second.score is not None:
        assert second.score >= first.score


@settings(max_examples=400)
@given(st.sampled_from(MMOL_RULESETS), ldl_mmol, ages, families)
def test_mg_dl_and_mmol_l_agree_where_there_is_no_published_equivalent(
    ruleset_id, ldl, age, family
):
    rules = get_ruleset(ruleset_id)
    mmol = rules.evaluate(case(ldl, Unit.MMOL_L, age, family))
    mg = rules.evaluate(case(ldl * Decimal("38.67"), Unit.MG_DL, age, family))
    assert (mg.outcome, mg.criterion, mg.score) == (
        mmol.outcome,
        mmol.criterion,
        mmol.score,
    )
    assert mg.ldl_mmol_l == mmol.ldl_mmol_l


@given(
    st.decimals(
        allow_nan=False,
        allow_infinity=False,
        places=4,
        min_value=-(10**6),
        max_value=10**6,
    )
)
def test_unit_conversion_round_trips(value):
    for analyte in Analyte:
        assert (
            to_mmol_l(to_mg_dl(value, Unit.MMOL_L, analyte), Unit.MG_DL, analyte)
            == value
        )


numbers = st.none() | st.decimals(allow_nan=False, allow_infinity=False)


@settings(max_examples=500)
@given(
    rulesets,
    st.sampled_from(list(Unit)),
    st.tuples(numbers, numbers, numbers, numbers, numbers),
    st.sampled_from(list(LdlMethod)),
    st.decimals(allow_nan=False, allow_infinity=False),
    families,
    st.none() | st.sampled_from(list(VariantClass)),
    st.none() | st.text(max_size=5),
    st.lists(st.none() | st.booleans(), min_size=4, max_size=4),
)
def test_never_raises_on_arbitrary_numbers(
    ruleset_id, unit, values, method, age, family, variant, secondary, findings
):
    tc, ldl, hdl, tg, repeat = values
    first = Occasion(age, LipidPanel(unit, tc, ldl, method, hdl, tg))
    second = Occasion(age, LipidPanel(unit, None, repeat, method, None, tg))
    result = get_ruleset(ruleset_id).evaluate(
        Case(Sex.M, (first, second), family, variant, secondary, *findings)
    )
    assert isinstance(result, Evaluation)
    assert result.outcome in Outcome
    assert all(result.reasons_text("en"))
    assert all(result.reasons_text("de"))


# Around the paediatric cut-offs, where a family finding decides.
ldl_near_cut_offs = st.decimals(min_value="2.5", max_value="6", places=2)


@settings(max_examples=600)
@given(
    rulesets,
    ldl_mmol | ldl_near_cut_offs,
    st.sampled_from(list(Unit)),
    ages,
    st.none() | ldl_near_cut_offs,
)
def test_the_family_prompt_names_what_evaluating_again_would(
    ruleset_id, ldl, unit, age, earlier
):
    """A rule set may answer the family-history prompt without evaluating the
    case again (threshold rule sets read it off their negative evaluation): it
    must name the same criterion as evaluating again with every finding."""
    rules = get_ruleset(ruleset_id)

    def entered(value):
        if value is None or unit is Unit.MMOL_L:
            return value
        return to_mg_dl(value, Unit.MMOL_L, Analyte.CHOLESTEROL)

    unknown_family = case(entered(ldl), unit, age, frozenset(), entered(earlier))
    evaluation = rules.evaluate(unknown_family)
    if evaluation.outcome is not Outcome.NEGATIVE:
        return
    assert rules.criterion_with_family(
        unknown_family, evaluation
    ) == supposing_every_finding(rules, unknown_family)


def test_the_family_prompt_names_the_criterion_a_finding_would_meet():
    """EAS 2026: 4.0 mmol/L misses A (> 4.5) and meets B's LDL-C (> 3.5) without
    its family finding; VRONI decides on LDL-C alone (3.0 < 3.36)."""
    for ruleset_id, ldl, expected in (("eas2026", "4.0", "B"), ("vroni", "3.0", None)):
        rules = get_ruleset(ruleset_id)
        unknown_family = case(Decimal(ldl), Unit.MMOL_L, Decimal("10"), frozenset())
        evaluation = rules.evaluate(unknown_family)
        assert evaluation.outcome is Outcome.NEGATIVE
        assert rules.criterion_with_family(unknown_family, evaluation) == expected
        assert supposing_every_finding(rules, unknown_family) == expected
