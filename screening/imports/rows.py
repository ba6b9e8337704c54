"""One data row of a lab file: from text to a `LabEntry`, or every problem it has.

Row-local checks only (formats, codes, dates, numbers, plausibility). Checks that
need the registry (known child, consent, duplicates) belong to the pipeline. The
lab-value checks are the same as the form's: `services.check_lab_entry`, whose
plausibility limits live in the rule engine (`rules.check_panel`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any, TypeVar, cast

from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from screening import rules
from screening.imports.formats import COLUMNS, NUL_STAND_IN
from screening.models import LpaUnit, RowErrorKind
from screening.services import LabEntry, checked_lab_entry

_AT = {name: index for index, name in enumerate(COLUMNS)}
_Value = TypeVar("_Value")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_GERMAN = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
_SEXES = {"f": "F", "m": "M"}
_SAMPLE_TYPES = {"capillary": "capillary", "venous": "venous"}
_UNITS = {"mg/dl": "mg/dL", "mmol/l": "mmol/L"}
_METHODS = {"": "direct", "direct": "direct", "calculated": "calculated"}
_METHODS["unknown"] = "unknown"
_BOOLEANS = {
    "": None,
    "yes": True,
    "no": False,
    "true": True,
    "false": False,
    "1": True,
    "0": False,
    "ja": True,
    "nein": False,
}
_BOOLEAN_WORDS = "yes, no, true, false, 1, 0, ja, nein"
_LAB_COLUMNS = (
    "total_cholesterol",
    "hdl_cholesterol",
    "ldl_cholesterol",
    "triglycerides",
)
MAX_PATIENT_ID = 40
MAX_SAMPLE_ID = 60


@dataclass(frozen=True, slots=True)
class RowIssue:
    """A problem of one row, as the error report lists it."""

    line: int
    column: str
    value: str
    code: str
    reason_en: str
    reason_de: str
    kind: str = RowErrorKind.REJECTED


def in_both(message: Callable[[], str]) -> tuple[str, str]:
    """`message` rendered in English and in German: the report is read in the
    reader's language, whoever uploaded the file."""
    with translation.override("en"):
        english = message()
    with translation.override("de"):
        german = message()
    return english, german


@dataclass(frozen=True, slots=True)
class ParsedRow:
    """A row that passed every row-local check; warnings do not block imports."""

    line: int
    patient_number: str
    sex: str
    birth_date: date
    entry: LabEntry
    panel: rules.LipidPanel  # the entry's panel, as checked
    warnings: tuple[RowIssue, ...]


@lru_cache(maxsize=16384)
def parse_date(text: str) -> date | None:
    """ISO YYYY-MM-DD or German DD.MM.YYYY; None if neither or not a real date."""
    match = _ISO.fullmatch(text)
    if match:
        year, month, day = (int(part) for part in match.groups())
    else:
        match = _GERMAN.fullmatch(text)
        if not match:
            return None
        day, month, year = (int(part) for part in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        return None


@lru_cache(maxsize=65536)
def parse_number(text: str) -> Decimal | None:
    """A non-negative decimal with point or German comma; None if not one."""
    if not _NUMBER.fullmatch(text):
        return None
    return Decimal(text.replace(",", "."))


@dataclass(frozen=True, slots=True)
class _Born:
    """What check_lab_entry reads of a person: the date of birth."""

    birth_date: date


class _Reader:
    """Reads one row's cells, collecting a coded issue for every bad one."""

    def __init__(self, line: int, values: tuple[str, ...]) -> None:
        self.line, self.values = line, values
        self.issues: list[RowIssue] = []

    def text(self, column: str) -> str:
        return self.values[_AT[column]]

    def bad(self, column: str, code: str, message: Callable[[], str]) -> None:
        self.add(column, code, *in_both(message))

    def add(self, column: str, code: str, english: str, german: str) -> None:
        self.issues.append(
            RowIssue(self.line, column, self.text(column)[:200], code, english, german)
        )

    def required(self, column: str) -> str:
        text = self.text(column)
        if not text:
            self.bad(column, "missing_value", lambda: _("A value is required."))
        return text

    def choice(self, column: str, allowed: dict[str, Any], words: str) -> Any:
        text = self.text(column)
        found = allowed.get(text.lower(), _MISSING)
        if found is _MISSING:
            if text:
                self.bad(column, "invalid_choice", lambda: _("Allowed: %s.") % words)
            else:
                self.bad(column, "missing_value", lambda: _("A value is required."))
            return None
        return found

    def at_most(self, column: str, characters: int) -> None:
        if len(self.text(column)) > characters:
            self.bad(
                column, "too_long", lambda: _("At most %d characters.") % characters
            )

    def day(self, column: str) -> date | None:
        return self._parsed(
            column,
            self.required(column),
            parse_date,
            ("invalid_date", lambda: _("Not a date: use YYYY-MM-DD or DD.MM.YYYY.")),
        )

    def number(self, column: str) -> Decimal | None:
        return self._parsed(
            column,
            self.text(column),
            parse_number,
            (
                "invalid_number",
                lambda: _("Not a number: digits with a decimal point or comma."),
            ),
        )

    def _parsed(
        self,
        column: str,
        text: str,
        parse: Callable[[str], _Value | None],
        unreadable: tuple[str, Callable[[], str]],
    ) -> _Value | None:
        """`text` parsed; None if empty (a required cell's issue is noted
        already) or unreadable (noted here with the `unreadable` code and message)."""
        if not text:
            return None
        found = parse(text)
        if found is None:
            self.bad(column, *unreadable)
        return found


_MISSING = object()


@lru_cache(maxsize=4)
def _earliest_birth(today: date) -> date:
    return rules.anniversary(today, today.year - rules.MAX_AGE_YEARS)


def _identity(reader: _Reader, today: date) -> tuple[str, str | None, date | None]:
    patient = reader.required("practice_patient_id")
    reader.at_most("practice_patient_id", MAX_PATIENT_ID)
    sex = reader.choice("sex", _SEXES, "F, M")
    born = reader.day("birth_date")
    if born is not None and born < _earliest_birth(today):
        reader.bad(
            "birth_date",
            "implausible_birth_date",
            lambda: (
                _("A date of birth more than %d years ago is not plausible.")
                % rules.MAX_AGE_YEARS
            ),
        )
        return patient, sex, None
    return patient, sex, born


def _entry(reader: _Reader) -> LabEntry | None:
    sample_date = reader.day("sample_date")
    sample_type = reader.choice("sample_type", _SAMPLE_TYPES, "capillary, venous")
    fasting = reader.choice(
        "fasting", _BOOLEANS, "yes, no, true, false, 1, 0, ja, nein"
    )
    unit = reader.choice("unit", _UNITS, "mg/dL, mmol/L")
    method = reader.choice("ldl_method", _METHODS, "direct, calculated, unknown")
    # The lipid columns bear the entry's field names.
    lipids: dict[str, Any] = {column: reader.number(column) for column in _LAB_COLUMNS}
    lipoprotein_a = reader.number("lipoprotein_a")
    sample_id = reader.text("lab_sample_id")
    reader.at_most("lab_sample_id", MAX_SAMPLE_ID)
    if all(reader.text(column) == "" for column in _LAB_COLUMNS):
        reader.bad(
            "total_cholesterol",
            "no_values",
            lambda: _("The row has no lipid value at all."),
        )
    if reader.issues or sample_date is None:
        return None
    return LabEntry(
        sample_date=sample_date,
        sample_type=sample_type,
        unit=unit,
        fasting=fasting,
        ldl_method=method,
        **lipids,
        lipoprotein_a=lipoprotein_a,
        lipoprotein_a_unit=LpaUnit.MG_DL if lipoprotein_a is not None else "",
        lab_sample_id=sample_id,
    )


def _service_issues(reader: _Reader, check: Callable[[], object]) -> None:
    """The service's field errors, in both languages: the check runs once more
    in each (its messages are rendered when raised), for refused rows only."""
    english, german = (_refusal(check, lang) for lang in ("en", "de"))
    for (field, errors_en), errors_de in zip(
        english.error_dict.items(), german.error_dict.values(), strict=True
    ):
        column = field if field in _AT else "sample_date"
        for problem_en, problem_de in zip(errors_en, errors_de, strict=True):
            reader.add(
                column,
                problem_en.code or "invalid",
                " ".join(str(text) for text in problem_en.messages),
                " ".join(str(text) for text in problem_de.messages),
            )


def _refusal(check: Callable[[], object], lang: str) -> ValidationError:
    with translation.override(lang):
        try:
            check()
        except ValidationError as error:
            return error
    msg = "a check refused a row in one language but not in another"
    raise AssertionError(msg)


def _warnings(
    line: int, values: tuple[str, ...], problems: tuple[rules.Problem, ...]
) -> tuple:
    """Extreme-but-possible values: imported, and listed in the report."""
    if not problems:
        return ()
    return tuple(
        RowIssue(
            line,
            problem.field,
            values[_AT[problem.field]],
            problem.code,
            problem.text("en"),
            problem.text("de"),
            RowErrorKind.WARNING,
        )
        for problem in problems
        if problem.severity != "error"
    )


def parse_row(
    line: int, values: tuple[str, ...], today: date | None = None
) -> ParsedRow | list[RowIssue]:
    """The row as a LabEntry with the child's identity, or all of its issues.

    `today` (default: the local date now) is the latest acceptable sample date.
    """
    reader = _Reader(line, values)
    if any(NUL_STAND_IN in value for value in values):
        # A binary NUL byte (a damaged export) fails this row, not the batch.
        reader.values = tuple(v.replace(NUL_STAND_IN, "") for v in values)
        for column, value in zip(COLUMNS, values, strict=True):
            if NUL_STAND_IN in value:
                reader.bad(
                    column,
                    "nul_byte",
                    lambda: _(
                        "The cell holds a NUL byte (binary data); the row was "
                        "not imported."
                    ),
                )
        return reader.issues
    today = today or timezone.localdate()
    patient, sex, birth_date = _identity(reader, today)
    entry = _entry(reader)
    if entry is None or sex is None or birth_date is None:
        return reader.issues

    def check() -> tuple[rules.LipidPanel, tuple[rules.Problem, ...]]:
        # Shape, number and plausibility checks exactly as for the form; extreme
        # values need no confirmation here: the lab measured them (see warnings).
        return checked_lab_entry(
            entry,
            person=cast(Any, _Born(birth_date)),
            confirm_extreme=True,
            today=today,
        )

    try:
        panel, problems = check()
    except ValidationError:
        _service_issues(reader, check)
        return reader.issues
    warnings = _warnings(line, values, problems)
    return ParsedRow(line, patient, sex, birth_date, entry, panel, warnings)


def malformed_row(line: int, found: int, expected: int) -> RowIssue:
    """A row whose cell count does not match the header."""
    return RowIssue(
        line,
        "",
        "",
        "malformed_row",
        *in_both(
            lambda: (
                _("The row has %(found)d cells; the header has %(expected)d.")
                % {"found": found, "expected": expected}
            )
        ),
    )
