"""The registry and the generated docs/rules.md."""

from pathlib import Path

import pytest

from screening.rules import (
    ADULT_RULESET_IDS,
    PAEDIATRIC_RULESET_IDS,
    RULESETS,
    UnknownRuleSet,
    get_ruleset,
)
from screening.rules.docs import render

DOCS = Path(__file__).resolve().parents[3] / "docs" / "rules.md"


def test_registry_ids_versions_and_units():
    assert list(RULESETS) == [
        "vroni",
        "eas2015",
        "eas2026",
        "simon-broome-paediatric",
        "dlcn",
        "simon-broome-adult",
    ]
    assert set(PAEDIATRIC_RULESET_IDS) | set(ADULT_RULESET_IDS) == set(RULESETS)
    assert get_ruleset("vroni").version == "2026.1"
    assert get_ruleset("vroni").canonical_unit.value == "mg/dL"
    assert get_ruleset("eas2015").canonical_unit.value == "mmol/L"
    for ruleset in RULESETS.values():
        assert ruleset.citation
        assert ruleset.thresholds


def test_unknown_ruleset_lists_known_ids():
    with pytest.raises(UnknownRuleSet) as raised:
        get_ruleset("eas2019")
    assert str(raised.value) == (
        "unknown rule set 'eas2019'; known rule sets: vroni, eas2015, eas2026, "
        "simon-broome-paediatric, dlcn, simon-broome-adult"
    )


def test_checked_in_docs_equal_the_generated_page():
    assert DOCS.read_text(encoding="utf-8") == render()


def test_docs_show_thresholds_in_both_units():
    page = render()
    assert "| LDL-C, criterion B | cholesterol | mmol/L | ≥ 4.0 | ≥ 154.68 |" in page
    assert (
        "| LDL-C (VRONI cut-off, meant as P95) | cholesterol | mg/dL "
        "| ≥ 3.36 (published) | ≥ 130 |" in page
    )
    assert "Nordestgaard BG, et al. Eur Heart J 2013" in page
