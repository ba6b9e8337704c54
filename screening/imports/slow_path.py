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


def _lab_result(row: Accepted, new_ids: dict[str, int], ctx: RunContext) -> LabResult:
    entry = row.entry
    tc_si, hdl_si, ldl_si, tg_si, non_hdl_si = row.si
    return LabResult(
        person_id=row.person_id or new_ids[row.pseudonym],
        sample_date=entry.sample_date,
        sample_type=entry.sample_type,
        fasting=entry.fasting,
        lab_sample_id=entry.lab_sample_id,
        entered_unit=entry.unit,
        total_cholesterol_entered=entry.total_cholesterol,
        hdl_cholesterol_entered=entry.hdl_cholesterol,
        ldl_cholesterol_entered=entry.ldl_cholesterol,
        triglycerides_entered=entry.triglycerides,
        ldl_method=row.ldl_method,
        ldl_computed_here=row.ldl_computed_here,
        tc_mmol_l=tc_si,
        hdl_mmol_l=hdl_si,
        ldl_mmol_l=ldl_si,
        tg_mmol_l=tg_si,
        non_hdl_mmol_l=non_hdl_si,
        lipoprotein_a=entry.lipoprotein_a,
        lipoprotein_a_unit=entry.lipoprotein_a_unit,
        source=ResultSource.IMPORT,
        import_batch=ctx.batch,
        entered_by=ctx.acting_user,
        created_at=ctx.now,
    )
