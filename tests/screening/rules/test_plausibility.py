"""Plausibility (DOMAIN §3d): every coded problem, with exact texts."""

from decimal import Decimal

import pytest

from screening.rules import Outcome, check_panel, get_ruleset
from tests.screening.rules.builders import MG, MMOL, panel, person


def codes(found):
    return [(p.code, p.field, p.severity) for p in found]


def test_plausible_panel_has_no_problems():
    assert check_panel(panel("3.1", tc="5.0", hdl="1.4", tg="1.0")) == ()


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        (
            {"ldl": "5.1", "tc": "5.0", "hdl": "0.9"},
            [
                ("ldl_exceeds_tc", "ldl_cholesterol", "error"),
                ("ldl_exceeds_non_hdl", "ldl_cholesterol", "error"),
            ],
        ),
        (
            {"ldl": "4.0", "tc": "5.0", "hdl": "1.21"},
            [
                ("ldl_exceeds_non_hdl", "ldl_cholesterol", "error"),
            ],
        ),
        ({"ldl": "4.0", "tc": "5.0", "hdl": "1.2"}, []),  # exceeds by exactly 0.2
        (
            {"ldl": "1.1", "tc": "2.0", "hdl": "2.1"},
            [
                ("hdl_exceeds_tc", "hdl_cholesterol", "error"),
                ("ldl_exceeds_non_hdl", "ldl_cholesterol", "error"),
            ],
        ),
    ],
)
def test_consistency(kwargs, expected):
    ldl = kwargs.pop("ldl")
    assert codes(check_panel(panel(ldl, **kwargs))) == expected


@pytest.mark.parametrize(
    ("field", "value", "unit", "bad"),
    [
        ("tc", "40", MG, False),
        ("tc", "39.9", MG, True),
        ("tc", "1200", MG, False),
        ("tc", "1200.1", MG, True),
        ("tc", "1.04", MMOL, False),  # 40.2168 mg/dL
        ("tc", "1.03", MMOL, True),  # 39.8301 mg/dL: DOMAIN's 1.03 is rounded
        ("hdl", "3.87", MMOL, False),
        ("hdl", "3.88", MMOL, True),  # 150.04 mg/dL
        ("tg", "56.45", MMOL, False),
        ("tg", "56.46", MMOL, True),
        ("tg", "9.9", MG, True),
    ],
)
def test_ranges(field, value, unit, bad):
    found = check_panel(panel(None, unit, **{field: value}))
    assert [p.code for p in found if p.severity == "error"] == (
        ["out_of_range"] if bad else []
    )


def test_out_of_range_text_names_value_and_limits():
    (problem,) = check_panel(panel("1001", MG))[:1]
    assert problem.params[:3] == (
        ("field", "ldl_cholesterol"),
        ("value", Decimal("1001")),
        ("unit", MG),
    )
    assert problem.text("en") == (
        "LDL-C 1001 mg/dL is outside the plausible range 10–1000 mg/dL"
    )


@pytest.mark.parametrize(
    ("kwargs", "code", "severity"),
    [
        ({"ldl": "300.1", "unit": MG}, "ldl_above_300_mg_dl", "warning"),
        ({"ldl": "39.9", "unit": MG}, "ldl_below_40_mg_dl", "warning"),
        ({"ldl": None, "unit": MG, "tg": "500"}, "tg_at_or_above_500_mg_dl", "warning"),
    ],
)
def test_warnings(kwargs, code, severity):
    ldl, unit = kwargs.pop("ldl"), kwargs.pop("unit")
    assert [(p.code, p.severity) for p in check_panel(panel(ldl, unit, **kwargs))] == [
        (code, severity)
    ]


def test_no_warning_just_inside():
    assert check_panel(panel("300", MG)) == ()
    assert check_panel(panel("40", MG)) == ()
    assert check_panel(panel(None, MG, tg="499.9")) == ()


def test_tc_entered_in_mmol_as_mg_is_queried_and_rejected():
    found = check_panel(panel(None, MG, tc="5.2"))
    assert codes(found) == [
        ("out_of_range", "total_cholesterol", "error"),
        ("tc_looks_like_mmol_l", "total_cholesterol", "query"),
    ]
    assert found[1].text("de") == (
        "Gesamtcholesterin 5,2 mg/dL ≤ 20: vermutlich in mmol/L eingegeben; bitte "
        "prüfen (wird nie automatisch umgerechnet)"
    )


def test_rejected_case_names_problem_and_has_no_alerts():
    result = get_ruleset("vroni").evaluate(person("5.1", tc="5.0", hdl="0.9", age="9"))
    assert result.outcome is Outcome.REJECTED
    assert result.alerts == ()
    assert (
        result.reasons_text("en")[0]
        == "LDL-C 5.1 mmol/L cannot exceed total cholesterol 5.0 mmol/L"
    )


def test_warnings_become_alerts_and_hofh_is_raised_above_10():
    result = get_ruleset("eas2015").evaluate(person("10.01", age="9"))
    assert result.alerts == ("hofh_suspected", "ldl_above_300_mg_dl")
    at_10 = get_ruleset("eas2015").evaluate(person("10", age="9"))
    assert at_10.alerts == ("ldl_above_300_mg_dl",)
    mg = get_ruleset("vroni").evaluate(person("386.71", unit=MG, age="9"))
    assert "hofh_suspected" in mg.alerts
    assert (
        "hofh_suspected"
        not in get_ruleset("vroni").evaluate(person("386.7", unit=MG, age="9")).alerts
    )


def test_alerts_on_not_eligible_too():
    result = get_ruleset("vroni").evaluate(person("11", age="3"))
    assert result.outcome is Outcome.NOT_ELIGIBLE
    assert result.alerts[0] == "hofh_suspected"
