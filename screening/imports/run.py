"""One batch run's shared parts: its context, tally and progress, and the
deciding of rows sorted by child (parse, check, assess), which both writers use.

The orchestration (pipeline.py) imports the writers (fast_path.py for
PostgreSQL, slow_path.py for any database) and this module; the writers import
this module, never the pipeline.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db import connection
from django.utils import timezone

from fh_registry.models import User
from screening import rules
from screening.imports import children
from screening.imports.rows import ParsedRow, RowIssue, malformed_row, parse_row
from screening.models import ImportBatch

#: Raw rows sorted by child then line: (line, values in formats.COLUMNS order).
SortedRows = Iterator[tuple[int, tuple[str, ...]]]


class Progress:
    """Percent done, written where pollers can see it while the import runs.

    The import's own transaction is invisible until commit, so on PostgreSQL the
    figure goes through a second, autocommit connection (a plain UPDATE of a
    progress column; not audited: it is not clinical data).
    """

    def __init__(self, batch_id: int) -> None:
        self.batch_id, self.percent = batch_id, -1
        self._conn: Any = None
        if connection.vendor == "postgresql":
            import psycopg  # noqa: PLC0415 - PostgreSQL only

            params = connection.settings_dict
            self._conn = psycopg.connect(
                dbname=params["NAME"],
                user=params.get("USER") or None,
                password=params.get("PASSWORD") or None,
                host=params.get("HOST") or None,
                port=params.get("PORT") or None,
                autocommit=True,
            )
            # A progress figure lost in a crash is harmless: its commits need
            # not wait for the disk (each would hold the import some 8 ms).
            self._conn.execute("SET synchronous_commit = off")

    def set(self, fraction: float) -> None:
        percent = max(0, min(99, int(fraction * 100)))
        if percent == self.percent or self._conn is None:
            return
        self.percent = percent
        self._conn.execute(
            "UPDATE screening_importbatch SET progress = %s WHERE id = %s",
            (percent, self.batch_id),
        )

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()


@dataclass
class RunContext:
    """What a write path needs to import one batch."""

    batch: ImportBatch
    acting_user: User
    change_reason: str
    ruleset: rules.RuleSet
    now: datetime
    chunk_rows: int
    progress: Progress
    after_chunk: Callable[[int], None] | None = None


@dataclass
class Tally:
    read: int = 0
    imported: int = 0
    skipped: int = 0
    rejected: int = 0
    issues: list[RowIssue] = field(default_factory=list)

    def reject_malformed(self, line: int, found: int, expected: int) -> None:
        self.read += 1
        self.rejected += 1
        self.issues.append(malformed_row(line, found, expected))


RawRows = list[tuple[int, tuple[str, ...]]]


def child_chunks(rows: SortedRows, chunk_rows: int) -> Iterator[RawRows]:
    """Rows sorted by child, cut into chunks of about `chunk_rows` rows.

    A chunk never splits a child, so each child is decided with all of its rows.
    """
    chunk: RawRows = []
    current: str | None = None
    for line, values in rows:
        number = values[0]
        if number != current and len(chunk) >= chunk_rows:
            yield chunk
            chunk = []
        current = number
        chunk.append((line, values))
    if chunk:
        yield chunk


def patient_numbers(chunk: RawRows) -> set[str]:
    """The children a chunk names (a row without a number is rejected anyway)."""
    return {values[0] for _line, values in chunk if values[0]}


@dataclass
class ChunkOutcome:
    """What deciding one chunk of rows gave; `handled` counts its rows."""

    accepted: list[children.Accepted]
    issues: list[RowIssue]
    skipped: int
    rejected: int
    handled: int


def decide_chunk(
    chunk: RawRows,
    *,
    known: dict[str, children.KnownChild],
    ruleset: rules.RuleSet,
    today: date,
) -> ChunkOutcome:
    """Parse and decide a chunk: pure, so it may run in another process."""
    parsed: list[ParsedRow] = []
    issues: list[RowIssue] = []
    rejected = 0
    for line, values in chunk:
        row = parse_row(line, values, today)
        if isinstance(row, ParsedRow):
            parsed.append(row)
        else:
            rejected += 1
            issues.extend(row)
    decision = children.decide_chunk(
        children.group_rows(parsed), known=known, ruleset=ruleset
    )
    issues.extend(decision.issues)
    return ChunkOutcome(
        decision.accepted,
        issues,
        decision.skipped,
        rejected + decision.rejected,
        len(chunk),
    )


def batch_today(ctx: RunContext) -> date:
    """One "today" for the whole batch (the latest acceptable sample date)."""
    return timezone.localdate(ctx.now)


def count_chunk(
    ctx: RunContext, tally: Tally, outcome: ChunkOutcome, imported: int
) -> None:
    """Add a written chunk to the tally; then the test hook, if any."""
    tally.imported += imported
    tally.skipped += outcome.skipped
    tally.rejected += outcome.rejected
    tally.issues.extend(outcome.issues)
    if ctx.after_chunk is not None:
        ctx.after_chunk(tally.imported)


def decide_sorted(
    rows: SortedRows,
    ctx: RunContext,
    tally: Tally,
    write: Callable[[list[children.Accepted]], None],
    *,
    done: Callable[[int], float],
) -> None:
    """Decide and write rows sorted by child, a chunk of children at a time.

    `done(rows_so_far)` maps progress to a fraction for the progress bar.
    """
    today, handled = batch_today(ctx), 0
    for chunk in child_chunks(rows, ctx.chunk_rows):
        known = children.load_known(ctx.batch.practice_id, patient_numbers(chunk))
        outcome = decide_chunk(chunk, known=known, ruleset=ctx.ruleset, today=today)
        write(outcome.accepted)
        count_chunk(ctx, tally, outcome, len(outcome.accepted))
        handled += outcome.handled
        ctx.progress.set(done(handled))
