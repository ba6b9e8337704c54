"""EAS 2015 (Wiegman 2015): A ≥ 5.0 twice, B ≥ 4.0 + family, C ≥ 3.5 + FH parent."""

import pytest

from screening.rules import FamilyHistory, Outcome, VariantClass, get_ruleset
from tests.screening.rules.builders import MG, MMOL, person

EAS = get_ruleset("eas2015")
CHD = (FamilyHistory.PARENT_PREMATURE_CHD,)
RELATIVE = (FamilyHistory.RELATIVE_PREMATURE_CHD,)
HIGH = (FamilyHistory.PARENT_HIGH_CHOLESTEROL,)
GENETIC = (FamilyHistory.PARENT_GENETIC_FH,)


@pytest.mark.parametrize(
    ("values", "unit", "family", "outcome", "criterion"),
    [
        # A: two successive occasions >= 5.0
        (("5.0", "5.0"), MMOL, (), Outcome.POSITIVE, "A"),
        (("5.0", "4.99"), MMOL, (), Outcome.NEGATIVE, ""),
        (("4.99", "5.0"), MMOL, (), Outcome.REPEAT_NEEDED, "A"),
        (("5.0",), MMOL, (), Outcome.REPEAT_NEEDED, "A"),
        (("193.35", "193.35"), MG, (), Outcome.POSITIVE, "A"),
        (("193.35", "193.34"), MG, (), Outcome.NEGATIVE, ""),
        # B: >= 4.0 with premature CHD in a close relative or high parental TC
        (("4.0",), MMOL, CHD, Outcome.POSITIVE, "B"),
        (("3.99",), MMOL, CHD, Outcome.NEGATIVE, ""),
        (("4.0",), MMOL, RELATIVE, Outcome.POSITIVE, "B"),
        (("4.0",), MMOL, HIGH, Outcome.POSITIVE, "B"),
        (("4.0",), MMOL, (), Outcome.NEGATIVE, ""),
        (("154.68",), MG, CHD, Outcome.POSITIVE, "B"),
        (("154.67",), MG, CHD, Outcome.NEGATIVE, ""),
        # C: >= 3.5 with a parent with genetic FH
        (("3.5",), MMOL, GENETIC, Outcome.POSITIVE, "C"),
        (("3.49",), MMOL, GENETIC, Outcome.NEGATIVE, ""),
        (("135.345",), MG, GENETIC, Outcome.POSITIVE, "C"),
        (("135.34",), MG, GENETIC, Outcome.NEGATIVE, ""),
        (("3.5",), MMOL, CHD, Outcome.NEGATIVE, ""),
    ],
)
def test_criteria_boundaries(values, unit, family, outcome, criterion):
    result = EAS.evaluate(person(*values, unit=unit, family=family))
    assert (result.outcome, result.criterion) == (outcome, criterion)


def test_positive_b_beats_repeat_needed_a_first_in_source_order():
    result = EAS.evaluate(person("5.2", family=CHD))
    assert (result.outcome, result.criterion) == (Outcome.POSITIVE, "B")


def test_reason_for_b_names_the_numbers():
    result = EAS.evaluate(person("4.14", family=CHD))
    assert result.reasons_text("en") == (
        "LDL-C 4.14 mmol/L ≥ 4.0 mmol/L and premature CHD in a parent → criterion B",
    )
    assert result.reasons_text("de") == (
        "LDL-C 4,14 mmol/L ≥ 4,0 mmol/L und vorzeitige KHK bei einem Elternteil "
        "→ Kriterium B",
    )


def test_mg_dl_reason_shows_the_cross_multiplied_limit():
    result = EAS.evaluate(person("154.68", unit=MG, family=CHD))
    assert result.reasons_text("en") == (
        "LDL-C 154.68 mg/dL ≥ 154.68 mg/dL (4.0 mmol/L) and premature CHD in a "
        "parent → criterion B",
    )


def test_a_twice_and_repeat_reasons():
    twice = EAS.evaluate(person("5.4", "5.6"))
    assert twice.reasons_text("en") == (
        "LDL-C 5.4 and 5.6 mmol/L ≥ 5.0 mmol/L on two successive occasions "
        "→ criterion A",
    )
    once = EAS.evaluate(person("5.2"))
    assert once.reasons_text("en") == (
        "LDL-C 5.2 mmol/L ≥ 5.0 mmol/L on the latest occasion only: criterion A "
        "needs two successive values, repeat LDL-C",
    )


def test_negative_lists_every_criterion():
    result = EAS.evaluate(person("3.6"))
    assert result.outcome is Outcome.NEGATIVE
    assert result.reasons_text("en") == (
        "Criterion A not met: LDL-C 3.6 mmol/L < 5.0 mmol/L",
        "Criterion B not met: LDL-C 3.6 mmol/L < 4.0 mmol/L",
        "Criterion C not met: LDL-C 3.6 mmol/L ≥ 3.5 mmol/L, but none of: a parent "
        "with genetic FH",
    )


@pytest.mark.parametrize(
    ("variant", "secondary", "outcome", "criterion"),
    [
        (VariantClass.PATHOGENIC, None, Outcome.DEFINITE, "genetic"),
        (
            VariantClass.LIKELY_PATHOGENIC,
            "nephrotic syndrome",
            Outcome.DEFINITE,
            "genetic",
        ),
        (VariantClass.VUS, None, Outcome.NEGATIVE, ""),
        (VariantClass.BENIGN, None, Outcome.NEGATIVE, ""),
        (None, "hypothyroidism", Outcome.DEFERRED, ""),
    ],
)
def test_genetics_and_secondary_causes(variant, secondary, outcome, criterion):
    result = EAS.evaluate(person("3.0", variant=variant, secondary=secondary))
    assert (result.outcome, result.criterion) == (outcome, criterion)


def test_vus_prompts_segregation_testing():
    result = EAS.evaluate(person("4.2", family=CHD, variant=VariantClass.VUS))
    assert result.outcome is Outcome.POSITIVE
    assert result.reasons_text("en")[-1] == (
        "Own variant of uncertain significance: the lipid criteria decide; "
        "segregation testing in the parents is advised"
    )


@pytest.mark.parametrize(
    ("age", "outcome"), [("17.99", Outcome.REPEAT_NEEDED), ("18", Outcome.NOT_ELIGIBLE)]
)
def test_age_limit(age, outcome):
    assert EAS.evaluate(person("5.5", age=age)).outcome is outcome
