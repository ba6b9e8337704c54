"""The classify CSV path on the checked-in sample and on malformed input."""

import csv
import io
from pathlib import Path

import pytest

from screening.rules import Outcome
from screening.rules.csvio import OUTPUT_COLUMNS, CsvFormatError, classify_csv

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "classify_sample.csv"


def classify(
    text: str, ruleset: str = "eas2015", lang: str = "en"
) -> list[dict[str, str]]:
    out = io.StringIO()
    classify_csv(io.StringIO(text), out, ruleset, lang)
    out.seek(0)
    reader = csv.DictReader(out)
    assert tuple(reader.fieldnames or ()) == OUTPUT_COLUMNS
    return list(reader)


def sample(ruleset: str, lang: str = "en") -> dict[str, dict[str, str]]:
    rows = classify(SAMPLE.read_text(encoding="utf-8"), ruleset, lang)
    return {row["child_ref"]: row for row in rows}


EXPECTED = {
    # child_ref: (vroni, eas2015, eas2026, simon-broome-paediatric) outcome/criterion
    "C001": ("positive/threshold", "negative/", "negative/", "negative/"),
    "C002": ("negative/", "negative/", "negative/", "negative/"),
    "C003": ("not_eligible/", "negative/", "negative/", "negative/"),
    "C004": ("positive/threshold", "positive/B", "positive/B", "positive/possible"),
    "C005": ("negative/", "negative/", "negative/", "negative/"),
    "C006": ("positive/threshold", "positive/A", "positive/A", "negative/"),
    "C007": ("positive/threshold", "repeat_needed/A", "positive/A", "negative/"),
    "C008": ("definite/genetic",) * 4,
    "C009": ("deferred/",) * 4,
    "C010": ("needs_direct_ldl/",) * 3 + ("negative/",),
    "C013": ("rejected/",) * 4,
    "C015": ("positive/threshold", "positive/C", "positive/C", "negative/"),
    "C018": ("positive/threshold", "positive/C", "positive/C", "negative/"),
    "C020": ("not_eligible/", "negative/", "negative/", "negative/"),
    "C022": ("rejected/",) * 4,
    "A001": ("not_eligible/",) * 4,
}
PAEDIATRIC = ("vroni", "eas2015", "eas2026", "simon-broome-paediatric")


@pytest.mark.parametrize(("index", "ruleset"), list(enumerate(PAEDIATRIC)))
def test_sample_outcomes(index, ruleset):
    rows = sample(ruleset)
    got = {ref: f"{rows[ref]['outcome']}/{rows[ref]['criterion']}" for ref in EXPECTED}
    assert got == {ref: outcomes[index] for ref, outcomes in EXPECTED.items()}


def test_sample_covers_every_outcome_and_both_units():
    outcomes = {row["outcome"] for rs in PAEDIATRIC for row in sample(rs).values()}
    assert outcomes == {outcome.value for outcome in Outcome}
    units = {row["unit"] for row in csv.DictReader(SAMPLE.open(encoding="utf-8"))}
    assert {"mmol/L", "mg/dL"} <= units


def test_sample_rows_in_input_order_with_display_values():
    rows = sample("eas2015")
    assert list(rows)[:3] == ["C001", "C002", "C003"]
    assert rows["C001"]["ldl_mmol_l"] == "3.67"  # 142 / 38.67, shown after classifying
    assert rows["C011"]["alerts"] == "hofh_suspected;ldl_above_300_mg_dl"
    assert rows["C015"]["alerts"] == "calculated_ldl"
    assert rows["C015"]["ldl_source"] == "calculated"
    assert rows["C017"]["ldl_source"] == "friedewald"
    assert rows["C004"]["reasons"] == (
        "LDL-C 4.14 mmol/L ≥ 4.0 mmol/L and premature CHD in a parent → criterion B"
    )
    assert rows["C004"]["score"] == ""


def test_rejected_rows_name_column_and_value():
    rows = sample("vroni")
    assert rows["C013"]["reasons"] == "Column total_cholesterol: 'abc' is not a number"
    assert rows["C014"]["reasons"] == "Column sex: unknown code 'X' (allowed: F, M)"
    assert rows["C019"]["reasons"].startswith(
        "Column family_history: unknown code 'uncle_chd' "
        "(allowed: parent_premature_chd,"
    )
    assert rows["C022"]["reasons"] == (
        "TC 15 mg/dL is outside the plausible range 40–1200 mg/dL | TC 15 mg/dL ≤ 20: "
        "probably entered in mmol/L; please check (never converted automatically)"
    )


def test_german_reasons():
    rows = sample("eas2015", lang="de")
    assert rows["C004"]["reasons"] == (
        "LDL-C 4,14 mmol/L ≥ 4,0 mmol/L und vorzeitige KHK bei einem Elternteil "
        "→ Kriterium B"
    )


def test_dlcn_score_column_and_adult_columns():
    rows = sample("dlcn")
    assert (
        rows["A001"]["outcome"],
        rows["A001"]["criterion"],
        rows["A001"]["score"],
    ) == (
        "positive",
        "definite",
        "14",
    )
    assert (
        rows["A002"]["outcome"],
        rows["A002"]["criterion"],
        rows["A002"]["score"],
    ) == (
        "negative",
        "possible",
        "5",
    )
    assert rows["A003"]["reasons"] == (
        "Column corneal_arcus_before_45: unknown code 'maybe' (allowed: yes, no)"
    )
    assert rows["C001"]["outcome"] == "not_eligible"


HEADER = (
    "child_ref,age_years,sex,unit,total_cholesterol,ldl_cholesterol,ldl_method,"
    "hdl_cholesterol,triglycerides,repeat_ldl_cholesterol,family_history,"
    "own_variant,secondary_cause\n"
)


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("X1,,F,mmol/L,,4.2,direct,,,,,,", "Column age_years is required but blank"),
        ("X2,9,F,mmol/L,,4,2,direct,,,,,,", "Row has 14 fields, the header has 13"),
        (
            "X3,9,F,mmol,,4.2,direct,,,,,,",
            "Column unit: unknown code 'mmol' (allowed: mmol/L, mg/dL)",
        ),
        (
            "X4,9,F,mmol/L,,4.2,guess,,,,,,",
            "Column ldl_method: unknown code 'guess' "
            "(allowed: direct, calculated, unknown)",
        ),
        (
            "X5,9,F,mmol/L,,NaN,direct,,,,,,",
            "Column ldl_cholesterol: 'NaN' is not a number",
        ),
        (
            "X6,9,F,mmol/L,,1e1,direct,,,,,,",
            "Column ldl_cholesterol: '1e1' is not a number",
        ),
        (
            "X7,9,F,mmol/L,,4.2,direct,,,,,likely_bad,",
            "Column own_variant: unknown code 'likely_bad' (allowed: pathogenic, "
            "likely_pathogenic, vus, likely_benign, benign)",
        ),
    ],
)
def test_malformed_rows_are_rejected_and_do_not_stop_the_file(line, reason):
    rows = classify(
        HEADER + line + "\nOK1,9,F,mmol/L,,4.2,direct,,,,parent_premature_chd,,\n"
    )
    assert [row["outcome"] for row in rows] == ["rejected", "positive"]
    assert rows[0]["reasons"] == reason


def test_repeat_ldl_is_a_second_occasion():
    rows = classify(HEADER + "R1,9,F,mmol/L,,5.0,direct,,,5.0,,,\n")
    assert (rows[0]["outcome"], rows[0]["criterion"]) == ("positive", "A")


def test_likely_benign_is_accepted_and_ignored():
    rows = classify(HEADER + "R2,9,F,mmol/L,,3.0,direct,,,,,likely_benign,\n")
    assert rows[0]["outcome"] == "negative"


def test_missing_header_column_is_a_file_error():
    with pytest.raises(CsvFormatError, match="missing column"):
        classify("child_ref,age_years\nA,1\n")
    with pytest.raises(CsvFormatError, match="empty"):
        classify("")
