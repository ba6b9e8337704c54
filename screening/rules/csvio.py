"""Reading and writing the `classify` CSV files: rows in, one evaluation row out.

A malformed row becomes `rejected`, naming the column and value; it never stops
the file. Only a missing header column is an error for the whole file.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from functools import lru_cache
from typing import TextIO

from screening.rules.reasons import cents
from screening.rules.registry import RuleSet, get_ruleset
from screening.rules.types import (
    Case,
    Evaluation,
    FamilyHistory,
    LdlMethod,
    LipidPanel,
    Occasion,
    Outcome,
    Reason,
    Sex,
    Unit,
    VariantClass,
)

INPUT_COLUMNS = (
    "child_ref",
    "age_years",
    "sex",
    "unit",
    "total_cholesterol",
    "ldl_cholesterol",
    "ldl_method",
    "hdl_cholesterol",
    "triglycerides",
    "repeat_ldl_cholesterol",
    "family_history",
    "own_variant",
    "secondary_cause",
)
ADULT_COLUMNS = (
    "own_premature_chd",
    "own_premature_cerebral_or_peripheral_vd",
    "tendon_xanthoma",
    "corneal_arcus_before_45",
)
OUTPUT_COLUMNS = (
    "child_ref",
    "ruleset",
    "ruleset_version",
    "outcome",
    "criterion",
    "ldl_mmol_l",
    "ldl_source",
    "alerts",
    "reasons",
    "score",
)
REASON_SEPARATOR = " | "

_NUMBER = re.compile(r"\d+(\.\d+)?")
_UNITS = {"mmol/l": Unit.MMOL_L, "mg/dl": Unit.MG_DL}
_METHODS = {"": LdlMethod.UNKNOWN, **{method.value: method for method in LdlMethod}}
_FAMILY = {code.value: code for code in FamilyHistory}
_VARIANTS = {"": None, **{variant.value: variant for variant in VariantClass}}
_YES_NO = {"yes": True, "no": False, "": None}
_LAB_COLUMNS = ("total_cholesterol", "ldl_cholesterol", "hdl_cholesterol")
_SEXES = {"F": Sex.F, "M": Sex.M}


class CsvFormatError(ValueError):
    """The file cannot be read as a classify input (e.g. a header column lacks)."""


@lru_cache(maxsize=8192)
def _number(text: str) -> Decimal | None:
    """Decimal from plain digits with an optional point; None if not a number."""
    return Decimal(text) if _NUMBER.fullmatch(text) else None


class _RowReader:
    """Parses one row, collecting a reason for every bad field."""

    def __init__(self, row: Sequence[str], columns: dict[str, int]) -> None:
        self.row, self.columns = row, columns
        self.problems: list[Reason] = []

    def text(self, column: str) -> str:
        index = self.columns.get(column)
        return "" if index is None else self.row[index].strip()

    def bad(self, code: str, column: str, value: str = "", **extra: str) -> None:
        params = (("column", column), ("value", value), *extra.items())
        self.problems.append(Reason(code, params))

    def number(self, column: str, *, required: bool = False) -> Decimal | None:
        text = self.text(column)
        if not text:
            if required:
                self.bad("missing_value", column)
            return None
        value = _number(text)
        if value is None:
            self.bad("malformed_value", column, text, expected="a number")
        return value

    def choice(
        self, column: str, allowed: Mapping[str, object], *, key: str = ""
    ) -> object:
        text = self.text(column)
        found = allowed.get(key or text, _MISSING)
        if found is _MISSING:
            shown = ", ".join(name for name in allowed if name) or "-"
            self.bad("unknown_code", column, text, allowed=shown)
            return None
        return found

    def family(self) -> frozenset[FamilyHistory]:
        codes = []
        for part in self.text("family_history").split(";"):
            code = part.strip()
            if code:
                found = self.choice("family_history", _FAMILY, key=code)
                if isinstance(found, FamilyHistory):
                    codes.append(found)
        return frozenset(codes)


_MISSING = object()


def _panel(reader: _RowReader) -> tuple[LipidPanel | None, Decimal | None]:
    unit_text = reader.text("unit")
    unit = _UNITS.get(unit_text.lower())
    if unit is None:
        if unit_text:
            reader.bad("unknown_code", "unit", unit_text, allowed="mmol/L, mg/dL")
        else:
            reader.bad("missing_value", "unit")
    tc, ldl, hdl = (reader.number(column) for column in _LAB_COLUMNS)
    tg = reader.number("triglycerides")
    repeat = reader.number("repeat_ldl_cholesterol")
    method = reader.choice("ldl_method", _METHODS)
    if unit is None or not isinstance(method, LdlMethod):
        return None, repeat
    return LipidPanel(unit, tc, ldl, method, hdl, tg), repeat


def parse_row(row: Sequence[str], columns: dict[str, int]) -> Case | list[Reason]:
    """A Case from one CSV row, or the reasons it is malformed."""
    reader = _RowReader(row, columns)
    if len(row) != len(columns):
        params = (("found", len(row)), ("expected", len(columns)))
        return [Reason("malformed_row", params)]
    age = reader.number("age_years", required=True)
    sex = reader.choice("sex", _SEXES)
    panel, repeat = _panel(reader)
    family = reader.family()
    variant = reader.choice("own_variant", _VARIANTS)
    adult = [reader.choice(column, _YES_NO) for column in ADULT_COLUMNS]
    if reader.problems or panel is None or age is None or not isinstance(sex, Sex):
        return reader.problems
    occasions: tuple[Occasion, ...] = (Occasion(age, panel),)
    if repeat is not None:
        # The repeat shares the row's TG, which decides calculated-LDL validity.
        tg = panel.triglycerides
        second = LipidPanel(panel.unit, None, repeat, panel.ldl_method, None, tg)
        occasions += (Occasion(age, second),)
    return Case(
        sex,
        occasions,
        family,
        variant if isinstance(variant, VariantClass) else None,
        reader.text("secondary_cause") or None,
        *(value if isinstance(value, bool) else None for value in adult),
    )


def format_ldl(value: Decimal | None) -> str:
    """LDL-C in mmol/L for display: 0.01, only after classification."""
    return "" if value is None else cents(value)


def output_row(child_ref: str, evaluation: Evaluation, lang: str) -> list[str]:
    """One output row in OUTPUT_COLUMNS order."""
    reasons = REASON_SEPARATOR.join(reason.text(lang) for reason in evaluation.reasons)
    return [
        child_ref,
        evaluation.ruleset_id,
        evaluation.ruleset_version,
        evaluation.outcome.value,
        evaluation.criterion,
        format_ldl(evaluation.ldl_mmol_l),
        evaluation.ldl_source,
        ";".join(evaluation.alerts),
        reasons,
        "" if evaluation.score is None else str(evaluation.score),
    ]


def header_columns(header: Sequence[str]) -> dict[str, int]:
    """Column name -> index; CsvFormatError if a required column lacks."""
    columns = {
        name.strip().lstrip("\ufeff"): index for index, name in enumerate(header)
    }
    missing = [name for name in INPUT_COLUMNS if name not in columns]
    if missing:
        msg = f"missing column(s) in the header: {', '.join(missing)}"
        raise CsvFormatError(msg)
    return columns


def classify_rows(
    rows: Iterator[list[str]], ruleset: RuleSet, lang: str = "en"
) -> Iterator[list[str]]:
    """Output rows for data rows (header already consumed); blank lines skipped."""
    columns: dict[str, int] | None = None
    for row in rows:
        if columns is None:
            columns = header_columns(row)
            continue
        if not row:
            continue
        case = parse_row(row, columns)
        child_ref = ""
        if len(row) == len(columns):  # else the row is rejected as malformed
            child_ref = row[columns["child_ref"]].strip()
        if isinstance(case, Case):
            evaluation = ruleset.evaluate(case)
        else:
            evaluation = Evaluation(
                Outcome.REJECTED,
                "",
                (),
                None,
                "",
                ruleset.id,
                ruleset.version,
                tuple(case),
            )
        yield output_row(child_ref, evaluation, lang)


def classify_csv(
    source: TextIO, target: TextIO, ruleset_id: str, lang: str = "en"
) -> int:
    """Classify every row of `source` into `target`; returns the number of rows."""
    ruleset = get_ruleset(ruleset_id)
    reader = csv.reader(source)
    first = next(reader, None)
    if first is None:
        msg = "the file is empty: no header row"
        raise CsvFormatError(msg)
    writer = csv.writer(target, lineterminator="\n")
    writer.writerow(OUTPUT_COLUMNS)
    count = 0
    for out in classify_rows(_chain(first, reader), ruleset, lang):
        writer.writerow(out)
        count += 1
    return count


def _chain(first: list[str], rest: Iterator[list[str]]) -> Iterator[list[str]]:
    yield first
    yield from rest
