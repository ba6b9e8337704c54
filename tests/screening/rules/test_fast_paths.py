"""The fast paths (quick findings, remembered decisions, quick CSV parsing)
give exactly what the full paths give."""

import csv
import io
import random
from decimal import ROUND_HALF_UP, Decimal, localcontext

import pytest

from screening.rules import (
    Case,
    FamilyHistory,
    LdlMethod,
    LipidLoweringTreatment,
    LipidPanel,
    Occasion,
    Sex,
    Unit,
    VariantClass,
    get_ruleset,
    simon_broome,
    threshold_rules,
)
from screening.rules.csvio import (
    ADULT_COLUMNS,
    INPUT_COLUMNS,
    _Plan,
    _quick_case,
    classify_csv,
    header_columns,
    parse_row,
)
from screening.rules.reasons import cents, render

from .builders import person

PAEDIATRIC = ("vroni", "eas2015", "eas2026", "simon-broome-paediatric")
ALL = (*PAEDIATRIC, "dlcn", "simon-broome-adult")


def _value(rng: random.Random, mmol_l: float, unit: Unit, factor: float) -> str:
    if unit is Unit.MMOL_L:
        return f"{mmol_l:.{rng.choice((1, 2, 3))}f}"
    return f"{mmol_l * factor:.{rng.choice((0, 1, 2))}f}"


def _case(rng: random.Random) -> Case:
    occasions = []
    age = Decimal(rng.randint(200, 2500)) / 100
    for _ in range(rng.choice((1, 1, 1, 2, 3))):
        unit = rng.choice(tuple(Unit))
        ldl = max(0.3, rng.gauss(3.6, 1.3))
        hdl, tg = rng.uniform(0.5, 2.2), rng.uniform(0.3, 6.0)
        tc = ldl + hdl + tg / 2.2 + rng.uniform(-0.4, 0.4)
        texts = [
            _value(rng, mmol_l, unit, factor) if rng.random() > 0.1 else None
            for mmol_l, factor in ((tc, 38.67), (ldl, 38.67), (hdl, 38.67), (tg, 88.57))
        ]
        tc_d, ldl_d, hdl_d, tg_d = (None if t is None else Decimal(t) for t in texts)
        method = rng.choice(tuple(LdlMethod))
        treatment = None
        if rng.random() < 0.1:
            treatment = LipidLoweringTreatment("atorvastatin", Decimal("20"))
        panel = LipidPanel(unit, tc_d, ldl_d, method, hdl_d, tg_d)
        occasions.append(Occasion(age, panel, treatment))
    family = frozenset(code for code in FamilyHistory if rng.random() < 0.1)
    variant = rng.choice((None,) * 10 + tuple(VariantClass))
    secondary = "hypothyroidism" if rng.random() < 0.05 else None
    yes_no = (None, True, False)
    return Case(
        rng.choice(tuple(Sex)),
        tuple(occasions),
        family,
        variant,
        secondary,
        rng.choice(yes_no),
        rng.choice(yes_no),
        rng.choice(yes_no),
        rng.choice(yes_no),
    )


@pytest.mark.parametrize("ruleset_id", ALL)
def test_quick_path_equals_full_path(ruleset_id, monkeypatch):
    ruleset = get_ruleset(ruleset_id)
    cases = [_case(random.Random(seed)) for seed in range(3000)]
    # Twice: the second round answers from the remembered decisions.
    fast = [ruleset.evaluate(case) for case in cases + cases]
    monkeypatch.setattr(threshold_rules, "quick_findings", lambda *_: None)
    monkeypatch.setattr(simon_broome, "quick_findings", lambda *_: None)
    full = [ruleset.evaluate(case) for case in cases + cases]
    assert fast == full
    assert [repr(e) for e in fast] == [repr(e) for e in full]
    for lang in ("en", "de"):
        assert [e.reasons_text(lang) for e in fast] == [
            e.reasons_text(lang) for e in full
        ]


@pytest.mark.parametrize("ruleset_id", PAEDIATRIC)
def test_remembered_decision_keeps_the_entered_digits(ruleset_id):
    # 3.1 and 3.10 are equal Decimals but render differently: a remembered
    # decision must carry the value as entered, not an equal earlier one.
    ruleset = get_ruleset(ruleset_id)
    for value in ("3.1", "3.10", "3.1", "3.100", "3.10"):
        reasons = ruleset.evaluate(person(value, age="10")).reasons
        assert f"Decimal('{value}')" in repr(reasons)
        assert f"Decimal('{value}0')" not in repr(reasons)


def _csv(rng: random.Random, rows: int) -> str:
    columns = (*INPUT_COLUMNS, *ADULT_COLUMNS)
    lines = [",".join(columns)]
    for index in range(rows):
        unit = rng.choice(("mmol/L", "mg/dL", "MG/DL", "", "g/L"))
        factor = 38.67 if unit.lower() == "mg/dl" else 1
        numbers = [
            rng.choice(("", "abc", "1,2", f"{rng.uniform(0.5, 8) * factor:.2f}"))
            if rng.random() < 0.2
            else f"{rng.uniform(0.5, 8) * factor:.{rng.choice((0, 1, 2))}f}"
            for _ in range(5)
        ]
        numbers[4] = numbers[4] if rng.random() < 0.3 else ""
        family = ";".join(c.value for c in FamilyHistory if rng.random() < 0.1)
        fields = [
            f"R{index}",
            rng.choice(("10.5", "4", "", "x", "17.99", " 12 ")),
            rng.choice(("F", "M", "", "X")),
            unit,
            *numbers[:2],
            rng.choice(("direct", "calculated", "", "unknown", "bad")),
            *numbers[2:],
            family + rng.choice(("", "", ";nonsense")),
            rng.choice(("", "", "", "vus", "pathogenic", "odd")),
            rng.choice(("", "", "diabetes")),
            *(rng.choice(("", "yes", "no", "maybe")) for _ in ADULT_COLUMNS),
        ]
        lines.append(",".join(fields))
    return "\n".join(lines) + "\n"


def test_quick_row_parsing_equals_parse_row():
    text = _csv(random.Random(3), 3000)
    rows = list(csv.reader(io.StringIO(text)))
    columns = header_columns(rows[0])
    plan = _Plan(columns)
    quick = 0
    for row in rows[1:]:
        if len(row) != len(columns):  # classify_rows never asks _quick_case
            continue
        case = _quick_case(row, plan)
        if case is not None:
            quick += 1
            assert case == parse_row(row, columns)
    assert 0 < quick < len(rows) - 1


@pytest.mark.parametrize("ruleset_id", PAEDIATRIC)
def test_csv_output_is_the_same_with_the_quick_parser(ruleset_id, monkeypatch):
    text = _csv(random.Random(4), 1500)
    fast = io.StringIO()
    classify_csv(io.StringIO(text), fast, ruleset_id, "de")
    monkeypatch.setattr("screening.rules.csvio._quick_case", lambda *_: None)
    full = io.StringIO()
    classify_csv(io.StringIO(text), full, ruleset_id, "de")
    assert fast.getvalue() == full.getvalue()


@pytest.mark.parametrize(
    "value",
    [
        *("0", "-0", "0.005", "2.675", "-2.675", "3.3618", "1E-30"),
        *("1E+23", "9.99999E+23", "1E+24", "123456789012345678901234.565"),
    ],
)
def test_cents_fast_path_rounds_half_up(value):
    number = Decimal(value)
    with localcontext() as context:
        context.prec = max(28, number.adjusted() + 4)
        expected = format(number.quantize(Decimal("0.01"), ROUND_HALF_UP), "f")
    assert cents(number) == expected


def test_reason_text_keeps_the_entered_digits_whatever_was_rendered_before() -> None:
    params_short = (("value", Decimal("3.1")), ("unit", "mmol/L"))
    params_long = (("value", Decimal("3.10")), ("unit", "mmol/L"))
    first = render("ldl_below_40_mg_dl", params_short, "en")
    second = render("ldl_below_40_mg_dl", params_long, "en")
    assert "3.1 " in first
    assert "3.10 " in second
