"""The import on any database (SQLite in the embedded default): the ORM and
`simple_history.utils.bulk_create_with_history`, a chunk of children at a time.

It reaches the same decisions as the fast path (the shared rows.py and
children.py decide); only the writing differs. To group rows by child it keeps
the file's raw rows in memory, which is fine for the small files of a practice
running the embedded default; PostgreSQL takes the streaming fast path.
"""

from __future__ import annotations

from simple_history.utils import bulk_create_with_history

from screening.imports import formats
from screening.imports.children import Accepted
from screening.imports.run import RunContext, Tally, decide_sorted
from screening.models import Assessment, LabResult, Person, ResultSource

BULK_SIZE = 1000


def import_table(table: formats.Table, ctx: RunContext) -> Tally:
    """Import an open file inside the caller's transaction."""
    tally = Tally()
    width = len(table.header)
    rows: list[tuple[int, tuple[str, ...]]] = []
    for line, values, found in table.rows:
        if values is None:
            tally.reject_malformed(line, found, width)
            continue
        tally.read += 1
        rows.append((line, values))
    rows.sort(key=lambda row: (row[1][0], row[0]))  # by child, then line
    ctx.progress.set(0.2)
    total = max(len(rows), 1)
    decide_sorted(
        iter(rows),
        ctx,
        tally,
        lambda accepted: _write(accepted, ctx),
        done=lambda handled: 0.2 + 0.8 * handled / total,
    )
    return tally


def _bulk(objects: list, model: type, ctx: RunContext) -> list:
    return bulk_create_with_history(
        objects,
        model,
        batch_size=BULK_SIZE,
        default_user=ctx.acting_user,
        default_change_reason=ctx.change_reason,
        default_date=ctx.now,
    )


def _write(accepted: list[Accepted], ctx: RunContext) -> None:
    persons = _bulk(
        [
            Person(
                pseudonym=row.pseudonym,
                sex=row.sex,
                birth_date=row.birth_date,
                practice_id=ctx.batch.practice_id,
                practice_patient_number=row.patient_number,
                created_at=ctx.now,
            )
            for row in accepted
            if row.creates_person
        ],
        Person,
        ctx,
    )
    new_ids = {person.pseudonym: person.pk for person in persons}
    results = _bulk(
        [_lab_result(row, new_ids, ctx) for row in accepted], LabResult, ctx
    )
    # Assessments are their own record (no history table): author and batch.
    Assessment.objects.bulk_create(
        [
            Assessment(
                person_id=result.person_id,
                lab_result=result,
                created_by=ctx.acting_user,
                import_batch=ctx.batch,
                created_at=ctx.now,
                **row.assessment,
            )
            for row, result in zip(accepted, results, strict=True)
        ],
        batch_size=BULK_SIZE,
    )


# What a LabResult keeps of the entry as entered, under the entry's names or
# as "<value>_entered", and its values in mmol/L (Accepted.si, in this order).
_AS_IN_ENTRY = ("sample_date", "sample_type", "fasting", "lab_sample_id")
_LPA = ("lipoprotein_a", "lipoprotein_a_unit")
_ENTERED = ("total_cholesterol", "hdl_cholesterol", "ldl_cholesterol", "triglycerides")
_SI = ("tc_mmol_l", "hdl_mmol_l", "ldl_mmol_l", "tg_mmol_l", "non_hdl_mmol_l")


def _lab_result(row: Accepted, new_ids: dict[str, int], ctx: RunContext) -> LabResult:
    entry = row.entry
    return LabResult(
        person_id=row.person_id or new_ids[row.pseudonym],
        entered_unit=entry.unit,
        **{name: getattr(entry, name) for name in (*_AS_IN_ENTRY, *_LPA)},
        **{f"{name}_entered": getattr(entry, name) for name in _ENTERED},
        ldl_method=row.ldl_method,
        ldl_computed_here=row.ldl_computed_here,
        **dict(zip(_SI, row.si, strict=True)),
        source=ResultSource.IMPORT,
        import_batch=ctx.batch,
        entered_by=ctx.acting_user,
        created_at=ctx.now,
    )
