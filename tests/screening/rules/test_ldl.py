"""LDL-C source (§3c) and formulas (§4)."""

from decimal import Decimal

import pytest

from screening.rules import LdlMethod, Outcome, get_ruleset, resolve_ldl
from screening.rules.ldl import (
    MH_FACTORS,
    friedewald,
    martin_hopkins,
    martin_hopkins_factor,
    sampson,
)
from tests.screening.rules.builders import MG, MMOL, panel, person

D = Decimal


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"ldl": "3.1"}, (D("3.1"), "direct", ())),
        (
            {"ldl": "3.1", "method": LdlMethod.CALCULATED, "tg": "4.49"},
            (D("3.1"), "calculated", ("calculated_ldl",)),
        ),
        ({"ldl": "3.1", "method": LdlMethod.CALCULATED, "tg": "4.5"}, (None, "", ())),
        ({"ldl": "3.1", "method": LdlMethod.CALCULATED}, (None, "", ())),
        ({"ldl": "3.1", "method": LdlMethod.UNKNOWN}, (D("3.1"), "reported", ())),
        ({"ldl": "3.1", "method": LdlMethod.UNKNOWN, "tg": "4.5"}, (None, "", ())),
        (
            {"ldl": None, "tc": "5.8", "hdl": "1.3", "tg": "1.1"},
            (D("4.0"), "friedewald", ("calculated_ldl",)),
        ),
        ({"ldl": None, "tc": "5.8", "hdl": "1.3"}, (None, "", ())),
    ],
)
def test_resolve_ldl(kwargs, expected):
    ldl = kwargs.pop("ldl")
    assert resolve_ldl(panel(ldl, **kwargs)) == expected


def test_friedewald_in_mg_dl_and_its_limit():
    assert friedewald(panel(None, MG, tc="250", hdl="50", tg="399")) == D("120.2")
    assert friedewald(panel(None, MG, tc="250", hdl="50", tg="400")) is None
    assert friedewald(panel(None, MMOL, tc="6", hdl="1", tg="2.2")) == D("4")


def test_martin_hopkins_table_and_value():
    assert len(MH_FACTORS) == 30
    assert all(len(row) == 6 for row in MH_FACTORS)
    assert sum(sum(row) for row in MH_FACTORS) == D("949.4")
    assert martin_hopkins_factor(D("100"), D("150")) == D("4.8")
    assert martin_hopkins_factor(D("6"), D("150")) is None
    assert martin_hopkins(panel(None, MG, tc="250", hdl="50", tg="100")) == (
        D("200") - D("100") / D("4.5")  # TG 97-100, non-HDL 190-219
    )


def test_sampson_mg_dl():
    value = sampson(panel(None, MG, tc="200", hdl="50", tg="150"))
    expected = (
        D("200") / D("0.948")
        - D("50") / D("0.971")
        - (D("150") / D("8.56") + D("150") * D("150") / 2140 - D("150") ** 2 / 16100)
        - D("9.44")
    )
    assert value == expected
    assert sampson(panel(None, MG, tc="300", hdl="40", tg="801")) is None


def test_needs_direct_ldl_reasons():
    eas = get_ruleset("eas2015")
    missing = eas.evaluate(person(tc="5.8", hdl="1.3"))
    assert missing.outcome is Outcome.NEEDS_DIRECT_LDL
    assert missing.reasons_text("en") == (
        "No LDL-C value and no complete TC, HDL-C and TG to calculate one: direct "
        "LDL-C needed",
    )
    calc = eas.evaluate(person("4.2", method=LdlMethod.CALCULATED))
    assert calc.reasons_text("en") == (
        "Calculated LDL-C 4.2 mmol/L without a TG value cannot be checked for "
        "validity: direct LDL-C needed",
    )


def test_calculated_ldl_alert_on_friedewald_classification():
    result = get_ruleset("eas2026").evaluate(person(tc="6.8", hdl="1.0", tg="1.1"))
    assert result.outcome is Outcome.POSITIVE
    assert result.ldl_source == "friedewald"
    assert result.alerts == ("calculated_ldl",)
    assert result.ldl_mmol_l == D("6.8") - D("1.0") - D("1.1") / D("2.2")
