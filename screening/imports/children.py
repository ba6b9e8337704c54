"""Deciding a chunk of children: registry checks, duplicates, assessment per row.

Shared by both write paths, so the fast (PostgreSQL) and the slow (any database)
import reach the same decisions. Rows arrive grouped by child, in file order.

Each accepted row is assessed as if the file had been entered by hand line by
line: the case is the child's results that exist by then (stored ones and the
file's earlier lines) with a sample date up to this one, oldest first, plus this
one, with the child's family history and genetic results
(`services.assess_lab_result`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, cast

from django.utils import timezone
from django.utils.translation import gettext as _

from screening import rules
from screening.assessing import assessment_fields, build_case, evaluate
from screening.imports.rows import ParsedRow, RowIssue, in_both
from screening.models import (
    Consent,
    ConsentScope,
    FamilyHistoryEntry,
    GeneticResult,
    LabResult,
    LdlMethod,
    Person,
    RowErrorKind,
    new_pseudonym,
)
from screening.services import LabEntry, _si, computed_ldl_mmol_l

_CHOL = rules.Analyte.CHOLESTEROL
_TG = rules.Analyte.TRIGLYCERIDES


@dataclass
class KnownChild:
    """What the registry already holds about a child named in the file."""

    person_id: int
    sex: str
    birth_date: date
    consent_withdrawn: bool
    family_history_asked: bool = False
    results: list[LabResult] = field(default_factory=list)
    family_codes: list[str] = field(default_factory=list)
    variant_classes: list[str] = field(default_factory=list)


@dataclass(slots=True)
class _Entered:
    """A result of the file, read by `build_case` like a stored LabResult."""

    sample_date: date
    entered_unit: str
    total_cholesterol_entered: Decimal | None
    hdl_cholesterol_entered: Decimal | None
    ldl_cholesterol_entered: Decimal | None
    triglycerides_entered: Decimal | None
    ldl_method: str
    ldl_computed_here: bool = False
    secondary_cause: str = ""


@dataclass(slots=True)
class Accepted:
    """An accepted row with everything needed to write it and its assessment."""

    line: int
    patient_number: str
    person_id: int | None  # None: a child new to the registry
    pseudonym: str  # the new child's pseudonym ("" for a known child)
    creates_person: bool  # True on the first row of a new child
    sex: str
    birth_date: date
    entry: LabEntry
    ldl_method: str
    ldl_computed_here: bool
    si: tuple[Decimal | None, ...]  # tc, hdl, ldl, tg, non-HDL in mmol/L
    assessment: dict[str, Any]


@dataclass
class ChunkDecision:
    accepted: list[Accepted] = field(default_factory=list)
    issues: list[RowIssue] = field(default_factory=list)
    skipped: int = 0
    rejected: int = 0


def load_known(practice_id: int, numbers: Iterable[str]) -> dict[str, KnownChild]:
    """The practice's children with these patient numbers, with results and facts.

    Five queries per chunk, however many children it holds.
    """
    persons = Person.objects.filter(
        practice_id=practice_id, practice_patient_number__in=list(numbers)
    ).values_list(
        "pk", "practice_patient_number", "sex", "birth_date", "family_history_asked_on"
    )
    known = {
        number: KnownChild(
            pk,
            sex,
            birth,
            consent_withdrawn=False,
            family_history_asked=asked is not None,
        )
        for pk, number, sex, birth, asked in persons
    }
    by_id = {child.person_id: child for child in known.values()}
    if not by_id:
        return known
    for result in LabResult.objects.filter(person_id__in=by_id).order_by(
        "person_id", "sample_date", "pk"
    ):
        by_id[result.person_id].results.append(result)
    for person_id, code in FamilyHistoryEntry.objects.filter(
        person_id__in=by_id
    ).values_list("person_id", "code"):
        by_id[person_id].family_codes.append(code)
    for person_id, acmg in (
        GeneticResult.objects.found()
        .filter(person_id__in=by_id)
        .values_list("person_id", "acmg_class")
    ):
        by_id[person_id].variant_classes.append(acmg)
    _mark_withdrawn(by_id)
    return known


def _mark_withdrawn(by_id: dict[int, KnownChild]) -> None:
    """Withdrawn: a screening consent was withdrawn and none is in force today.

    A child with no consent row at all (created by an earlier import) is not
    withdrawn: the practice attests consent when it sends samples.
    """
    today = timezone.localdate()
    screening = Consent.objects.filter(
        person_id__in=by_id, scope=ConsentScope.SCREENING
    )
    withdrawn = set(
        screening.filter(withdrawn_on__lte=today).values_list("person_id", flat=True)
    )
    in_force = set(screening.in_force(on=today).values_list("person_id", flat=True))
    for person_id in withdrawn - in_force:
        by_id[person_id].consent_withdrawn = True


class _Child:
    """One child's rows in file order, decided against what the registry holds."""

    def __init__(self, number: str, known: KnownChild | None) -> None:
        self.number, self.known = number, known
        self.identity = (known.sex, known.birth_date) if known else None
        self.stored_keys = (
            {(r.sample_date, r.lab_sample_id) for r in known.results}
            if known
            else set()
        )
        self.file_keys: set[tuple[date, str]] = set()
        self.entered: list[_Entered] = []
        self.pseudonym = ""

    def check(self, row: ParsedRow) -> RowIssue | None:
        """A registry-level reason to reject or skip the row; None to accept it."""
        line, entry = row.line, row.entry
        if self.known and self.known.consent_withdrawn:
            return RowIssue(
                line,
                "practice_patient_id",
                self.number,
                "consent_withdrawn",
                *in_both(
                    lambda: _(
                        "The screening consent for this child has been withdrawn."
                    )
                ),
            )
        if self.identity and row.sex != self.identity[0]:
            return self._mismatch(row, "sex", row.sex, self.identity[0])
        if self.identity and row.birth_date != self.identity[1]:
            return self._mismatch(
                row, "birth_date", row.birth_date, self.identity[1].isoformat()
            )
        key = (entry.sample_date, entry.lab_sample_id)
        if key in self.stored_keys:
            return _skip(
                row, "already_imported", lambda: _("This result is already stored.")
            )
        if key in self.file_keys:
            return _skip(
                row,
                "duplicate_row",
                lambda: _(
                    "Same child, sample date and lab sample id as an earlier line."
                ),
            )
        return None

    def _mismatch(
        self, row: ParsedRow, column: str, value: Any, known: str
    ) -> RowIssue:
        return RowIssue(
            row.line,
            column,
            str(value),
            "identity_mismatch",
            *in_both(
                lambda: (
                    _("This child is known with %(column)s %(known)s.")
                    % {"column": column, "known": known}
                )
            ),
        )

    def accept(self, row: ParsedRow, ruleset: rules.RuleSet) -> Accepted:
        entry = row.entry
        creates = self.identity is None
        if creates:
            self.identity = (row.sex, row.birth_date)
            self.pseudonym = new_pseudonym()
        self.file_keys.add((entry.sample_date, entry.lab_sample_id))
        entered = _Entered(
            entry.sample_date,
            entry.unit,
            entry.total_cholesterol,
            entry.hdl_cholesterol,
            entry.ldl_cholesterol,
            entry.triglycerides,
            entry.ldl_method,
        )
        # Computed before the case is built, as the form stores it before assessing.
        ldl_si = _si(entry.ldl_cholesterol, entry.unit, _CHOL)
        computed = computed_ldl_mmol_l(row.panel)
        if computed is not None:
            entered.ldl_computed_here = True
            entered.ldl_method = LdlMethod.CALCULATED
            ldl_si = computed
        sex, birth_date = cast(tuple[str, date], self.identity)
        series = self._series(entered)
        case = build_case(
            sex=sex,
            birth_date=birth_date,
            results=cast(Any, series),
            family_codes=self.known.family_codes if self.known else (),
            variant_classes=self.known.variant_classes if self.known else (),
        )
        evaluation = evaluate(
            ruleset,
            case,
            family_history_asked=bool(self.known and self.known.family_history_asked),
        )
        self.entered.append(entered)
        return Accepted(
            line=row.line,
            patient_number=self.number,
            person_id=self.known.person_id if self.known else None,
            pseudonym=self.pseudonym,
            creates_person=creates,
            sex=sex,
            birth_date=birth_date,
            entry=entry,
            ldl_method=entered.ldl_method,
            ldl_computed_here=entered.ldl_computed_here,
            si=(
                _si(entry.total_cholesterol, entry.unit, _CHOL),
                _si(entry.hdl_cholesterol, entry.unit, _CHOL),
                ldl_si,
                _si(entry.triglycerides, entry.unit, _TG),
                None,
            ),
            assessment=assessment_fields(evaluation, case),
        )

    def _series(self, current: _Entered) -> list[Any]:
        """Results up to this sample date, oldest first; stored before the file's."""
        day = current.sample_date
        stored = self.known.results if self.known else []
        earlier: list[Any] = [r for r in stored if r.sample_date <= day]
        earlier += [r for r in self.entered if r.sample_date <= day]
        # A stable sort keeps stored results (by pk) before the file's (by line).
        earlier.sort(key=lambda result: result.sample_date)
        return [*earlier, current]


def _skip(row: ParsedRow, code: str, message: Callable[[], str]) -> RowIssue:
    return RowIssue(
        row.line,
        "lab_sample_id",
        row.entry.lab_sample_id,
        code,
        *in_both(message),
        RowErrorKind.SKIPPED,
    )


def decide_chunk(
    groups: dict[str, list[ParsedRow]],
    *,
    known: dict[str, KnownChild],
    ruleset: rules.RuleSet,
) -> ChunkDecision:
    """Accept, skip or reject every row of these children (rows in file order)."""
    decision = ChunkDecision()
    for number, rows in groups.items():
        child = _Child(number, known.get(number))
        for row in rows:
            issue = child.check(row)
            if issue is None:
                decision.accepted.append(child.accept(row, ruleset))
                decision.issues.extend(row.warnings)
            elif issue.kind == RowErrorKind.SKIPPED:
                decision.skipped += 1
                decision.issues.append(issue)
            else:
                decision.rejected += 1
                decision.issues.append(issue)
    return decision


def group_rows(rows: Iterable[ParsedRow]) -> dict[str, list[ParsedRow]]:
    groups: dict[str, list[ParsedRow]] = defaultdict(list)
    for row in rows:
        groups[row.patient_number].append(row)
    return groups
