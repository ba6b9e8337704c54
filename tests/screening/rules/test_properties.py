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


@settings(max_examples=400)
@given(rulesets, ldl_mmol, st.sampled_from(list(Unit)), ages, families)
def test_a_ruleset_that_reads_no_family_history_ignores_it(
    ruleset_id, ldl, unit, age, family
):
    """`reads_family_history` False lets the family-history prompt skip its
    second evaluation: it must then be true that no finding changes anything."""
    rules = get_ruleset(ruleset_id)
    value = (
        ldl if unit is Unit.MMOL_L else to_mg_dl(ldl, Unit.MMOL_L, Analyte.CHOLESTEROL)
    )
    without = rules.evaluate(case(value, unit, age, frozenset()))
    with_family = rules.evaluate(case(value, unit, age, family))
    if not rules.reads_family_history:
        assert with_family == without


def test_which_rulesets_read_family_history():
    reading = {rs.id for rs in RULESETS.values() if rs.reads_family_history}
    # VRONI decides on LDL-C alone; EAS criterion B, Simon Broome and DLCN
    # count family findings.
    assert reading == set(RULESETS) - {"vroni"}
