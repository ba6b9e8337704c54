"""Storing a posted Bundle: lab values through the lab-file pipeline, variants
and family findings through the screening services.

The samples become the rows of a lab file (the pipeline's own columns), which
`screening.imports.pipeline` registers and imports as it does an upload: the
same row checks, plausibility limits, duplicate and consent rules, new children
for unknown patient numbers, assessments by the active rule set and the
`assessment_recorded` signal that opens care episodes. The ImportBatch records
who sent what (its SHA-256) and when. Variants and family findings are then
recorded by `record_genetic_result` and `record_family_history`, each of which
reassesses the child's latest result.

A `transaction` Bundle is all or nothing: everything runs in one database
transaction, which is rolled back if any entry was refused. A `batch` Bundle
stores every sample, variant and finding that passes on its own.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from fh_registry.models import Practice, User
from interop import codes
from interop.outcomes import (
    ERROR,
    INFORMATION,
    WARNING,
    Issue,
    is_error,
    operation_outcome,
)
from interop.receiving import Child, Reading, Sample
from interop.resources import analyte_key
from screening import services as screening
from screening.imports import formats, pipeline
from screening.models import ImportBatch, ImportStatus, LabResult, Person, RowErrorKind

logger = logging.getLogger(__name__)

_PATIENT_COLUMNS = frozenset({"practice_patient_id", "sex", "birth_date"})
_ANALYTE_OF_COLUMN = {
    "total_cholesterol": codes.TOTAL_CHOLESTEROL,
    "hdl_cholesterol": codes.HDL_CHOLESTEROL,
    "triglycerides": codes.TRIGLYCERIDES,
    "lipoprotein_a": codes.LIPOPROTEIN_A,
}


@dataclass
class EntryAnswer:
    """What became of one entry: its status line, location and issues."""

    status: str = "200 OK"
    location: str = ""
    issues: list[Issue] = field(default_factory=list)


@dataclass
class Reception:
    """The answer to a Bundle: refused whole (transaction) or entry by entry."""

    kind: str
    answers: list[EntryAnswer]
    issues: list[Issue]
    refused: bool
    batch: ImportBatch | None = None

    def outcome(self) -> dict[str, Any]:
        """A refused Bundle's answer: one OperationOutcome naming every entry."""
        return operation_outcome(self.issues)

    def response_bundle(self) -> dict[str, Any]:
        """The transaction-response or batch-response Bundle: per entry its
        status, location and OperationOutcome."""
        entries = []
        for answer in self.answers:
            response: dict[str, Any] = {"status": answer.status}
            if answer.location:
                response["location"] = answer.location
            if answer.issues:
                response["outcome"] = operation_outcome(answer.issues)
            entries.append({"response": response})
        return {
            "resourceType": "Bundle",
            "type": f"{self.kind}-response",
            "entry": entries,
        }


@dataclass
class _Row:
    line: int
    sample: Sample
    # the entry of each column's value, for issues the pipeline reports by column
    entries_by_column: dict[str, int]


def _text(value: Decimal | None) -> str:
    return "" if value is None else format(value, "f")


def _rows(samples: Iterable[Sample]) -> tuple[str, list[_Row]]:
    """The samples as a lab file (CSV, the pipeline's columns) and its rows."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(formats.COLUMNS)
    rows: list[_Row] = []
    for sample in samples:
        if not sample.values and sample.lipoprotein_a is None:
            continue
        values = {name: value for name, (_entry, value) in sample.values.items()}
        fasting = sample.specimen.fasting
        cells = {
            "practice_patient_id": sample.child.number,
            "sex": sample.child.sex,
            "birth_date": sample.child.birth_date.isoformat(),
            "sample_date": sample.sample_date.isoformat(),
            "sample_type": sample.specimen.sample_type,
            "fasting": "" if fasting is None else ("yes" if fasting else "no"),
            "unit": sample.unit or codes.MG_DL,
            "total_cholesterol": _text(values.get("total_cholesterol")),
            "hdl_cholesterol": _text(values.get("hdl_cholesterol")),
            "ldl_cholesterol": _text(values.get("ldl_cholesterol")),
            "ldl_method": sample.ldl_method if "ldl_cholesterol" in values else "",
            "triglycerides": _text(values.get("triglycerides")),
            "lab_sample_id": sample.specimen.lab_sample_id,
            "lipoprotein_a": _text(
                sample.lipoprotein_a[1] if sample.lipoprotein_a else None
            ),
        }
        writer.writerow([cells[name] for name in formats.COLUMNS])
        by_column = {name: entry for name, (entry, _v) in sample.values.items()}
        if sample.lipoprotein_a is not None:
            by_column["lipoprotein_a"] = sample.lipoprotein_a[0]
        rows.append(_Row(len(rows) + 2, sample, by_column))  # line 1: the header
    return out.getvalue(), rows


class _Answers:
    def __init__(self, reading: Reading, lang: str) -> None:
        self.reading, self.lang = reading, lang
        self.answers = [EntryAnswer() for _ in range(reading.entry_count)]
        self.issues: list[Issue] = list(reading.issues)

    def add(self, issue: Issue) -> None:
        self.issues.append(issue)

    def row_issue(
        self, row: _Row, column: str, code: str, message: str, kind: str
    ) -> None:
        severity = {
            RowErrorKind.WARNING.value: WARNING,
            RowErrorKind.SKIPPED.value: INFORMATION,
        }.get(kind, ERROR)
        fhir_code = {ERROR: "business-rule", WARNING: "value"}.get(
            severity, "duplicate"
        )
        child_entry = row.sample.child.entry
        if column in row.entries_by_column:
            targets = [row.entries_by_column[column]]
        elif column in _PATIENT_COLUMNS and child_entry is not None:
            targets = [child_entry]
        else:
            targets = row.sample.entries
        for entry in targets:
            self.add(Issue(severity, fhir_code, message, entry, registry_code=code))

    def finish(self) -> list[EntryAnswer]:
        for issue in self.issues:
            if issue.entry is None:
                continue
            answer = self.answers[issue.entry]
            answer.issues.append(issue)
            if is_error(issue):
                answer.status = "400 Bad Request"
                answer.location = ""
        return self.answers


def receive_bundle(
    *, acting_user: User, practice: Practice, reading: Reading, lang: str = "en"
) -> Reception:
    """Store what a read Bundle carries (see the module docstring)."""
    answers = _Answers(reading, lang)
    for entry in reading.context:
        answers.add(
            Issue(
                INFORMATION,
                "informational",
                _("Read as context of the lab message; not stored."),
                entry,
            )
        )
    if any(issue.entry is None and is_error(issue) for issue in reading.issues):
        return Reception(reading.kind, answers.finish(), answers.issues, refused=True)
    text, rows = _rows(reading.samples)
    batch: ImportBatch | None = None
    if reading.kind == "transaction":
        with transaction.atomic():
            batch = _store(
                acting_user,
                practice,
                reading=reading,
                text=text,
                rows=rows,
                answers=answers,
            )
            refused = any(is_error(issue) for issue in answers.issues)
            if refused:
                transaction.set_rollback(True)
        if refused:
            _forget_file(batch)
            return Reception(
                reading.kind, answers.finish(), answers.issues, refused=True
            )
    else:
        batch = _store(
            acting_user,
            practice,
            reading=reading,
            text=text,
            rows=rows,
            answers=answers,
        )
    return Reception(
        reading.kind, answers.finish(), answers.issues, refused=False, batch=batch
    )


def _forget_file(batch: ImportBatch | None) -> None:
    """A refused transaction leaves no lab file behind (its batch row is gone)."""
    if batch is not None and batch.file_path:
        Path(batch.file_path).unlink(missing_ok=True)


def _store(
    acting_user: User,
    practice: Practice,
    *,
    reading: Reading,
    text: str,
    rows: list[_Row],
    answers: _Answers,
) -> ImportBatch | None:
    known_before = set(_persons(practice, reading))
    batch = _import(acting_user, practice, text, rows, answers) if rows else None
    persons = _persons(practice, reading)
    _locate(
        batch,
        rows=rows,
        persons=persons,
        reading=reading,
        answers=answers,
        known_before=known_before,
    )
    _record_variants(acting_user, reading, persons, answers)
    _record_findings(acting_user, reading, persons, answers)
    return batch


def _import(
    acting_user: User,
    practice: Practice,
    text: str,
    rows: list[_Row],
    answers: _Answers,
) -> ImportBatch:
    started = pipeline.start_import(
        acting_user=acting_user,
        practice=practice,
        file_name="fhir-bundle.csv",
        chunks=[text.encode()],
        language=answers.lang,
        enqueue=False,
    )
    batch = started.batch
    if started.duplicate:
        for row in rows:
            for entry in row.sample.entries:
                answers.add(
                    Issue(
                        INFORMATION,
                        "duplicate",
                        _("This Bundle was received before (import batch %(id)d).")
                        % {"id": batch.pk},
                        entry,
                    )
                )
        return batch
    batch = pipeline.run_import(batch.pk)
    if batch.status != ImportStatus.COMPLETED:
        raise RuntimeError(f"import batch {batch.pk} {batch.status}: {batch.message}")
    by_line = {row.line: row for row in rows}
    for error in batch.row_errors.all():
        errored = by_line.get(error.line)
        if errored is not None:
            answers.row_issue(
                errored,
                error.column,
                error.code,
                error.reason(answers.lang),
                error.kind,
            )
    return batch


def _persons(practice: Practice, reading: Reading) -> dict[str, Person]:
    """The practice's persons the Bundle speaks of, by patient number."""
    numbers = {child.number for child in _children(reading)}
    return {
        person.practice_patient_number: person
        for person in Person.objects.filter(
            practice=practice, practice_patient_number__in=numbers
        )
    }


def _children(reading: Reading) -> list[Child]:
    listed = list(reading.children)
    listed += [sample.child for sample in reading.samples]
    listed += [variant.child for variant in reading.variants]
    listed += [finding.child for finding in reading.findings]
    return listed


def _locate(
    batch: ImportBatch | None,
    *,
    rows: list[_Row],
    persons: dict[str, Person],
    reading: Reading,
    answers: _Answers,
    known_before: set[str],
) -> None:
    """Status and location of stored Patients and Observations."""
    stored: dict[tuple[int, object, str], int] = {}
    if batch is not None:
        stored = {
            (person_id, day, sample_id): pk
            for pk, person_id, day, sample_id in LabResult.objects.filter(
                import_batch=batch
            ).values_list("pk", "person_id", "sample_date", "lab_sample_id")
        }
    for row in rows:
        person = persons.get(row.sample.child.number)
        key = (
            person.pk if person else 0,
            row.sample.sample_date,
            row.sample.specimen.lab_sample_id,
        )
        if key not in stored:
            _with_its_sample(row, answers)
            continue
        for column, entry in row.entries_by_column.items():
            analyte = _ANALYTE_OF_COLUMN.get(column) or codes.LDL_BY_METHOD.get(
                row.sample.ldl_method, codes.LDL_UNSTATED
            )
            answer = answers.answers[entry]
            answer.status = "201 Created"
            answer.location = (
                f"Observation/labresult-{stored[key]}-{analyte_key(analyte)}"
            )
    for child in reading.children:
        person = persons.get(child.number)
        if child.entry is None:
            continue
        if person is None:
            answers.add(
                Issue(
                    ERROR,
                    "business-rule",
                    _(
                        "A new child is registered with their first lab result; "
                        "none of this child's results was stored."
                    ),
                    child.entry,
                )
            )
            continue
        answer = answers.answers[child.entry]
        answer.location = f"Patient/{person.pseudonym}"
        if child.number not in known_before:
            answer.status = "201 Created"


def _with_its_sample(row: _Row, answers: _Answers) -> None:
    """A sample is stored whole or not at all: its values without a problem of
    their own are refused with the one that had."""
    refused = {issue.entry for issue in answers.issues if is_error(issue)}
    first = next((e for e in row.sample.entries if e in refused), None)
    if first is None:
        return  # not stored because it was stored before (skipped)
    for entry in row.sample.entries:
        if entry not in refused:
            answers.add(
                Issue(
                    ERROR,
                    "business-rule",
                    _("Not stored: entry %(entry)d of the same sample was refused.")
                    % {"entry": first},
                    entry,
                )
            )


def _refusal_issues(error: ValidationError, entry: int) -> list[Issue]:
    messages = []
    for field_name, errors in error.message_dict.items():
        messages += [f"{field_name}: {message}" for message in errors]
    return [Issue(ERROR, "business-rule", message, entry) for message in messages]


def _record_variants(
    acting_user: User, reading: Reading, persons: dict[str, Person], answers: _Answers
) -> None:
    for variant in reading.variants:
        person = persons.get(variant.child.number)
        if person is None:
            answers.add(_no_person(variant.entry))
            continue
        try:
            with transaction.atomic():
                result = screening.record_genetic_result(
                    acting_user=acting_user,
                    person=person,
                    gene=variant.gene,
                    hgvs_c=variant.hgvs_c,
                    hgvs_p=variant.hgvs_p,
                    transcript=variant.transcript,
                    acmg_class=variant.acmg_class,
                    lab=variant.lab,
                    report_date=variant.report_date,
                    finding=variant.finding,
                )
        except ValidationError as error:
            for issue in _refusal_issues(error, variant.entry):
                answers.add(issue)
            continue
        answer = answers.answers[variant.entry]
        answer.status = "201 Created"
        answer.location = f"Observation/geneticresult-{result.pk}"


def _record_findings(
    acting_user: User, reading: Reading, persons: dict[str, Person], answers: _Answers
) -> None:
    for finding in reading.findings:
        person = persons.get(finding.child.number)
        if person is None:
            answers.add(_no_person(finding.entry))
            continue
        try:
            with transaction.atomic():
                entry = screening.record_family_history(
                    acting_user=acting_user, person=person, code=finding.code
                )
        except ValidationError as error:
            for issue in _refusal_issues(error, finding.entry):
                answers.add(issue)
            continue
        answer = answers.answers[finding.entry]
        answer.status = "201 Created"
        answer.location = f"FamilyMemberHistory/familyhistory-{entry.pk}"


def _no_person(entry: int) -> Issue:
    return Issue(
        ERROR,
        "business-rule",
        _("The child was not stored (see the Patient and its results)."),
        entry,
    )
