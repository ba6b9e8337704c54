"""The PostgreSQL import: COPY into staging tables, then set-based INSERT … SELECT.

1. The file is streamed with psycopg 3 `COPY` into an UNLOGGED staging table
   (one text column per file column), so memory stays flat however big it is.
2. A server-side cursor reads it back sorted by child, a chunk of children at a
   time; rows are checked and assessed by the shared code (rows.py, children.py:
   the rule engine is the one source of thresholds, none is re-typed in SQL), in
   forked worker processes when there are cores to spare (see _decide_all).
3. Each chunk's accepted rows with their results are COPYed into a second
   staging table, and one `INSERT … SELECT` per table writes persons, lab
   results (with, in the same statement, their simple-history rows:
   history_user = importing user, change reason "import batch N") and
   assessments (which name their import batch). While
   PostgreSQL writes a chunk, the workers decide the next ones.

Everything runs inside the pipeline's transaction on Django's own connection
(`django.db.connection.connection`), so a failure leaves nothing behind.

Foreign keys are checked by PostgreSQL's own per-row triggers, as for every
other write, statement by statement while the chunks are written. Assessments
get no history rows: each is its own record.
"""

from __future__ import annotations

import gc
import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

import billiard
import orjson
from django.conf import settings
from django.db import connection
from psycopg import sql

from screening import rules
from screening.imports import formats
from screening.imports.children import Accepted, KnownChild, load_known
from screening.imports.run import (
    ChunkOutcome,
    RawRows,
    RunContext,
    SortedRows,
    Tally,
    batch_today,
    child_chunks,
    count_chunk,
    decide_chunk,
    patient_numbers,
)
from screening.imports.set_based import with_history, without_jit
from screening.models import LabResult, Person, ResultSource

logger = logging.getLogger(__name__)

_RAW = [f"c{index}" for index in range(len(formats.COLUMNS))]
_ACCEPTED = (
    ("line", "integer"),
    ("lab_result_id", "bigint"),
    ("person_id", "bigint"),
    ("pseudonym", "text"),
    ("creates_person", "boolean"),
    ("patient", "text"),
    ("sex", "text"),
    ("birth_date", "date"),
    ("sample_date", "date"),
    ("sample_type", "text"),
    ("fasting", "boolean"),
    ("lab_sample_id", "text"),
    ("unit", "text"),
    ("tc", "numeric"),
    ("hdl", "numeric"),
    ("ldl", "numeric"),
    ("tg", "numeric"),
    ("lpa", "numeric"),
    ("lpa_unit", "text"),
    ("ldl_method", "text"),
    ("ldl_computed_here", "boolean"),
    ("tc_si", "numeric"),
    ("hdl_si", "numeric"),
    ("ldl_si", "numeric"),
    ("tg_si", "numeric"),
    ("ruleset_id", "text"),
    ("ruleset_version", "text"),
    ("outcome", "text"),
    ("criterion", "text"),
    ("alerts", "text"),
    ("a_ldl", "numeric"),
    ("ldl_source", "text"),
    ("score", "integer"),
    ("reason_codes", "text"),
    ("inputs", "text"),
)


def _dump(value: Any) -> str:
    """JSON text of an assessment's lists (alerts, reasons, inputs) for COPY:
    orjson writes each row's about 1 KB of reasons ten times faster than json
    (and a short list of alerts faster than a cache could look it up)."""
    return orjson.dumps(value).decode()


# Persons new to the registry, in file order of their first accepted row.
_PERSONS = """
INSERT INTO screening_person
    (pseudonym, sex, birth_date, practice_id, practice_patient_number, created_at)
SELECT pseudonym, sex, birth_date, %(practice)s, patient, %(now)s
FROM {accepted} WHERE creates_person ORDER BY line
"""
_RESULTS = """
INSERT INTO screening_labresult
    (id, person_id, sample_date, sample_type, fasting, lab_sample_id, entered_unit,
     total_cholesterol_entered, hdl_cholesterol_entered, ldl_cholesterol_entered,
     triglycerides_entered, ldl_method, ldl_computed_here, tc_mmol_l, hdl_mmol_l,
     ldl_mmol_l, tg_mmol_l, lipoprotein_a, lipoprotein_a_unit, secondary_cause,
     source, import_batch_id, entered_by_id, created_at)
SELECT a.lab_result_id, COALESCE(a.person_id, p.id), a.sample_date, a.sample_type,
     a.fasting, a.lab_sample_id, a.unit, a.tc, a.hdl, a.ldl, a.tg, a.ldl_method,
     a.ldl_computed_here, a.tc_si, a.hdl_si, a.ldl_si, a.tg_si, a.lpa, a.lpa_unit,
     '', %(source)s, %(batch)s, %(user)s, %(now)s
FROM {accepted} a
LEFT JOIN screening_person p ON a.person_id IS NULL AND p.pseudonym = a.pseudonym
ORDER BY a.line
"""
_ASSESSMENTS = """
INSERT INTO screening_assessment
    (person_id, lab_result_id, ruleset_id, ruleset_version, outcome, criterion,
     alerts, ldl_mmol_l, ldl_source, score, reason_codes, inputs,
     created_by_id, import_batch_id, created_at)
SELECT r.person_id, a.lab_result_id, a.ruleset_id, a.ruleset_version, a.outcome,
     a.criterion, a.alerts::jsonb, a.a_ldl, a.ldl_source, a.score,
     a.reason_codes::jsonb, a.inputs::jsonb, %(user)s, %(batch)s, %(now)s
FROM {accepted} a JOIN screening_labresult r ON r.id = a.lab_result_id
ORDER BY a.line
"""


def _names(ctx: RunContext) -> tuple[sql.Identifier, sql.Identifier]:
    batch = ctx.batch.pk
    return (
        sql.Identifier(f"import_stage_{batch}"),
        sql.Identifier(f"import_accepted_{batch}"),
    )


def import_table(table: formats.Table, ctx: RunContext) -> Tally:
    """Import an open file on PostgreSQL inside the caller's transaction."""
    connection.ensure_connection()
    raw = connection.connection
    stage, accepted = _names(ctx)
    tally = Tally()
    with raw.cursor() as cursor:
        # Sorts of a whole batch fit in memory, and the planner, misled by
        # tables that grew within the transaction, must not pay for JIT.
        cursor.execute("SET LOCAL work_mem = '128MB'")
        without_jit()
        _stage_file(cursor, stage, table, ctx, tally)
        columns = sql.SQL(", ").join(
            sql.SQL("{} {}").format(sql.Identifier(name), sql.SQL(kind))
            for name, kind in _ACCEPTED
        )
        cursor.execute(
            sql.SQL("CREATE UNLOGGED TABLE {} ({})").format(accepted, columns)
        )
        analyzed = False

        def write_chunk() -> None:
            """Persons, results, assessments and history of the COPYed chunk."""
            nonlocal analyzed
            if not analyzed:  # one chunk is like the next: plan by the first
                cursor.execute(sql.SQL("ANALYZE {}").format(accepted))
                analyzed = True
            _insert_all(cursor, accepted, ctx)
            cursor.execute(sql.SQL("TRUNCATE {}").format(accepted))

        # Keys are checked as each chunk is written, while the workers decide
        # the next, instead of all at once at commit (Django's keys are
        # deferred); the rest of the transaction keeps the default.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        with raw.cursor(name=f"import_rows_{ctx.batch.pk}") as rows:
            rows.itersize = ctx.chunk_rows
            rows.execute(
                sql.SQL('SELECT line, {} FROM {} ORDER BY c0 COLLATE "C", line').format(
                    sql.SQL(", ").join(map(sql.Identifier, _RAW)), stage
                )
            )
            _decide_all(
                ((row[0], tuple(row[1:])) for row in rows),
                cursor,
                accepted,
                ctx,
                tally,
                known_numbers=_known_numbers(cursor, stage, ctx),
                write_chunk=write_chunk,
            )
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        # Fresh statistics after a bulk load: without them the planner takes the
        # grown tables for empty and reads the batch back by nested seq scans.
        cursor.execute(
            "ANALYZE screening_person, screening_labresult, screening_assessment"
        )
        cursor.execute(sql.SQL("DROP TABLE {}, {}").format(stage, accepted))
    return tally


def _stage_file(
    cursor: Any,
    stage: sql.Identifier,
    table: formats.Table,
    ctx: RunContext,
    tally: Tally,
) -> None:
    """Stream the file into the raw staging table; malformed rows are rejected."""
    columns = sql.SQL(", ").join(
        sql.SQL("{} text").format(sql.Identifier(name)) for name in _RAW
    )
    cursor.execute(
        sql.SQL("CREATE UNLOGGED TABLE {} (line integer NOT NULL, {})").format(
            stage, columns
        )
    )
    width = len(table.header)
    size = max(table.size_bytes, 1)
    copy_sql = sql.SQL("COPY {} (line, {}) FROM STDIN").format(
        stage, sql.SQL(", ").join(map(sql.Identifier, _RAW))
    )
    with cursor.copy(copy_sql) as copy:
        for line, values, found in table.rows:
            if values is None:
                tally.reject_malformed(line, found, width)
                continue
            tally.read += 1
            copy.write_row((line, *values))
            if not tally.read % 20000:
                ctx.progress.set(0.3 * table.bytes_read() / size)


def _known_numbers(cursor: Any, stage: sql.Identifier, ctx: RunContext) -> set[str]:
    """The file's patient numbers the practice already has: chunks without one
    need no lookups (a new practice's file, or new children, has none)."""
    cursor.execute(
        sql.SQL(
            "SELECT DISTINCT s.c0 FROM {} s JOIN screening_person p"
            " ON p.practice_id = %s AND p.practice_patient_number = s.c0"
        ).format(stage),
        (ctx.batch.practice_id,),
    )
    return {row[0] for row in cursor.fetchall()}


def _sequence(cursor: Any) -> str:
    cursor.execute("SELECT pg_get_serial_sequence('screening_labresult', 'id')")
    return str(cursor.fetchone()[0])


# --- Deciding the rows, in worker processes when there are cores to spare ---------
#
# Parsing, checking and assessing is pure Python per row and the bulk of the
# work; PostgreSQL idles meanwhile. So chunks of children are decided in forked
# worker processes, which never touch the database: the main process reads the
# sorted rows, loads what the registry knows of each chunk's children, draws
# lab result ids, and COPYs each decided chunk, in order, as the workers return
# it (COPY text built by the worker). Results equal the in-process run's,
# which takes over for small files, one core or IMPORT_WORKERS=0.


@dataclass(frozen=True, slots=True)
class _JobContext:
    ruleset: rules.RuleSet
    today: date


_JOB: _JobContext | None = None  # set before the workers fork; they inherit it
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(text: str) -> str:
    """A text value in COPY's text format (escaped only when it must be)."""
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        return text.translate(_ESCAPES)
    return text


def _copy_line(values: tuple) -> str:
    """One row in COPY's text format; int, Decimal and date print as PostgreSQL
    reads them. Inline, as this runs for every value of every row."""
    return (
        "\t".join(
            [
                "\\N"
                if value is None
                else "t"
                if value is True
                else "f"
                if value is False
                else _copy_text(value)
                if value.__class__ is str
                else str(value)
                for value in values
            ]
        )
        + "\n"
    )


def _decide_job(
    chunk: RawRows, known: dict[str, KnownChild], ids: list[int]
) -> tuple[str, int, ChunkOutcome]:
    """Decide a chunk: its accepted rows as COPY text with the drawn ids, their
    count, and the outcome without the row objects (they travel as the text)."""
    assert _JOB is not None
    outcome = decide_chunk(chunk, known=known, ruleset=_JOB.ruleset, today=_JOB.today)
    lines = [
        _copy_line(_accepted_row(row, lab_result_id))
        for row, lab_result_id in zip(outcome.accepted, ids, strict=False)
    ]
    outcome.accepted = []
    return "".join(lines), len(lines), outcome


def _start_worker(parent: int) -> None:
    """A worker outlives no importer: killed (a task's hard time limit), its
    workers would otherwise wait on the job queue for ever.

    A chunk's rows, cases and reasons live until the chunk is decided, so the
    default collection every 700 allocations walks them again and again (about
    a tenth of a worker's time); they hold hardly any cycles, and what a
    collection finds is found as well every 50,000 allocations."""
    gc.set_threshold(50_000)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def _workers(rows: int, chunk_rows: int) -> int:
    """How many worker processes to fork; 0 decides in this process."""
    wanted = settings.IMPORT_WORKERS
    if wanted is None:
        wanted = min(os.cpu_count() or 1, 4)
    if wanted < 2 or rows < 2 * chunk_rows:
        return 0
    # A fork copies only this thread: a lock another thread holds (Django's
    # translation state, logging, imports) would stay locked in the workers.
    # Threaded servers decide here.
    if threading.active_count() > 1:
        return 0
    return wanted


def _decide_all(
    rows: SortedRows,
    cursor: Any,
    accepted: sql.Identifier,
    ctx: RunContext,
    tally: Tally,
    *,
    known_numbers: set[str],
    write_chunk: Callable[[], None],
) -> None:
    """Decide every row, chunk by chunk, in order: COPY a chunk's accepted rows,
    then `write_chunk` writes them on. While PostgreSQL writes one chunk, the
    workers decide the next ones."""
    global _JOB  # noqa: PLW0603 - read by forked workers, see above
    _JOB = _JobContext(ctx.ruleset, batch_today(ctx))
    sequence = _sequence(cursor)
    names = sql.SQL(", ").join(sql.Identifier(name) for name, _ in _ACCEPTED)
    copy_sql = sql.SQL("COPY {} ({}) FROM STDIN").format(accepted, names)
    total, handled = max(tally.read, 1), 0

    def jobs() -> Iterator[tuple[RawRows, dict[str, KnownChild], list[int]]]:
        for chunk in child_chunks(rows, ctx.chunk_rows):
            numbers = patient_numbers(chunk) & known_numbers
            known = load_known(ctx.batch.practice_id, numbers) if numbers else {}
            cursor.execute(
                "SELECT nextval(%s) FROM generate_series(1, %s)",
                (sequence, len(chunk)),
            )
            yield chunk, known, [row[0] for row in cursor.fetchall()]

    def write(text: str, imported: int, outcome: ChunkOutcome) -> None:
        nonlocal handled
        if text:
            with cursor.copy(copy_sql) as copy:
                copy.write(text)
            write_chunk()
        count_chunk(ctx, tally, outcome, imported)
        handled += outcome.handled
        ctx.progress.set(0.3 + 0.65 * handled / total)

    workers = _workers(tally.read, ctx.chunk_rows)
    logger.info(
        "import batch %s: deciding %s rows in %s",
        ctx.batch.pk,
        tally.read,
        f"{workers} worker processes" if workers else "the importing process",
    )
    try:
        if not workers:
            for job in jobs():
                write(*_decide_job(*job))
            return
        # billiard's fork context (Celery's multiprocessing): a prefork worker's
        # child is daemonic, and the standard library's refuses it children.
        context = billiard.get_context("fork")
        # Objects that exist at the fork are left out of the workers' garbage
        # collections, which would otherwise touch, and so copy, every page.
        gc.freeze()
        with (
            _unfrozen_after(),
            ProcessPoolExecutor(
                workers,
                mp_context=context,
                initializer=_start_worker,
                initargs=(os.getpid(),),
            ) as pool,
        ):
            pending: deque[Future] = deque()
            try:
                for job in jobs():
                    pending.append(pool.submit(_decide_job, *job))
                    if len(pending) > workers:  # bounded: memory stays flat
                        write(*pending.popleft().result())
                while pending:
                    write(*pending.popleft().result())
            except BaseException:
                pool.shutdown(wait=True, cancel_futures=True)
                raise
    finally:
        _JOB = None


@contextmanager
def _unfrozen_after() -> Iterator[None]:
    try:
        yield
    finally:
        gc.unfreeze()


def _accepted_row(row: Accepted, lab_result_id: int) -> tuple:
    entry, found = row.entry, row.assessment
    tc_si, hdl_si, ldl_si, tg_si, _non_hdl = row.si
    return (
        row.line,
        lab_result_id,
        row.person_id,
        row.pseudonym,
        row.creates_person,
        row.patient_number,
        row.sex,
        row.birth_date,
        entry.sample_date,
        entry.sample_type,
        entry.fasting,
        entry.lab_sample_id,
        entry.unit,
        entry.total_cholesterol,
        entry.hdl_cholesterol,
        entry.ldl_cholesterol,
        entry.triglycerides,
        entry.lipoprotein_a,
        entry.lipoprotein_a_unit,
        row.ldl_method,
        row.ldl_computed_here,
        tc_si,
        hdl_si,
        ldl_si,
        tg_si,
        found["ruleset_id"],
        found["ruleset_version"],
        found["outcome"],
        found["criterion"],
        _dump(found["alerts"]),
        found["ldl_mmol_l"],
        found["ldl_source"],
        found["score"],
        _dump(found["reason_codes"]),
        _dump(found["inputs"]),
    )


def _params(ctx: RunContext) -> dict[str, Any]:
    return {
        "practice": ctx.batch.practice_id,
        "now": ctx.now,
        "source": ResultSource.IMPORT.value,
        "batch": ctx.batch.pk,
        "user": ctx.acting_user.pk,
        "reason": ctx.change_reason,
    }


def _insert_all(cursor: Any, accepted: sql.Identifier, ctx: RunContext) -> None:
    params = _params(ctx)
    for statement, model in ((_PERSONS, Person), (_RESULTS, LabResult)):
        insert = sql.SQL(statement.strip()).format(accepted=accepted)
        cursor.execute(with_history(model, insert), params)
    # Assessments are their own record: no history rows.
    cursor.execute(sql.SQL(_ASSESSMENTS.strip()).format(accepted=accepted), params)
