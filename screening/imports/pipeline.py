"""The one import pipeline: `start_import` stores and registers a file, `run_import`
imports it in one transaction, on the fast (PostgreSQL) or the slow path.

All three doors (command, upload page, API) call these two functions. A crash
part-way rolls the whole batch back: no person, result, assessment or history row
of a failed batch remains, and the batch is marked failed in a second
transaction. Row errors never stop a batch; each is listed in the report.
"""

from __future__ import annotations

import hashlib
import logging
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import (
    IntegrityError,
    InterfaceError,
    OperationalError,
    connection,
    transaction,
)
from django.utils import timezone, translation
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from fh_registry import outbox
from fh_registry.models import Practice, User
from screening.assessing import active_ruleset
from screening.imports import fast_path, formats, slow_path
from screening.imports.rows import RowIssue
from screening.imports.run import Progress, RunContext, Tally
from screening.models import (
    Assessment,
    ImportBatch,
    ImportRowError,
    ImportStatus,
)
from screening.signals import assessment_recorded

logger = logging.getLogger(__name__)

TASK_NAME = "screening.imports.tasks.run_import_batch"
LIVE_STATUSES = (ImportStatus.PENDING, ImportStatus.RUNNING, ImportStatus.COMPLETED)
CHUNK_ROWS = 2000
# How long a failed batch waits for the database to record that it failed: a
# restart or a fail-over takes seconds, rarely a minute.
FAILURE_RECORD_SECONDS = 120
_LOCK_SPACE = 0x46480  # "FH" + 0x480: advisory-lock namespace of import batches


def imports_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "imports"


# --- Starting a batch -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StartedImport:
    batch: ImportBatch
    duplicate: bool  # True: this file is (being) imported already: `batch` is that one


class _TooLargeError(Exception):
    pass


def _store(chunks: Iterable[bytes], file_name: str) -> tuple[Path, str]:
    """Write the upload under MEDIA_ROOT/imports, hashing it on the way; past
    IMPORT_MAX_FILE_BYTES it stops and removes what it wrote."""
    folder = imports_dir() / timezone.now().strftime("%Y")
    folder.mkdir(parents=True, exist_ok=True)
    safe = get_valid_filename(Path(file_name).name) or "upload"
    target = folder / f"{uuid.uuid4().hex}_{safe[-100:]}"
    digest = hashlib.sha256()
    size = 0
    with target.open("wb") as out:
        for chunk in chunks:
            size += len(chunk)
            if size > settings.IMPORT_MAX_FILE_BYTES:
                out.close()
                target.unlink(missing_ok=True)
                raise _TooLargeError
            digest.update(chunk)
            out.write(chunk)
    return target, digest.hexdigest()


def _live_batch(practice: Practice, sha256: str) -> ImportBatch | None:
    """The practice's own live batch of this file: another practice's upload of
    the same bytes is neither refused nor disclosed."""
    return (
        ImportBatch.objects.filter(
            practice=practice, sha256=sha256, status__in=LIVE_STATUSES
        )
        .order_by("pk")
        .first()
    )


def start_import(
    *,
    acting_user: User,
    practice: Practice,
    file_name: str,
    chunks: Iterable[bytes],
    language: str = "",
    enqueue: bool = True,
) -> StartedImport:
    """Store a lab file and register its batch; the import itself runs later.

    The caller has checked that `acting_user` may import into `practice`. A file
    whose header cannot be read is refused at once (ValidationError on `file`);
    a file already imported (same SHA-256) is recognised and not registered
    again. With `enqueue`, `run_import_batch` is published through the outbox,
    so nothing reaches the broker before the batch is committed.
    """
    try:
        path, sha256 = _store(chunks, file_name)
    except _TooLargeError:
        raise ValidationError(
            {
                "file": ValidationError(
                    _("The file is larger than %(mb)d MB; split it into smaller files.")
                    % {"mb": settings.IMPORT_MAX_FILE_BYTES // 1_000_000},
                    code="too_large",
                )
            }
        ) from None
    try:
        with formats.open_table(path):
            pass
    except formats.FileRefused as refusal:
        path.unlink(missing_ok=True)
        raise ValidationError(
            {"file": ValidationError(refusal.message, code=refusal.code)}
        ) from refusal
    existing = _live_batch(practice, sha256)
    if existing is not None:
        path.unlink(missing_ok=True)
        return StartedImport(existing, duplicate=True)
    try:
        with transaction.atomic():
            batch = ImportBatch(
                practice=practice,
                file_name=Path(file_name).name[:255],
                file_path=str(path),
                sha256=sha256,
                uploaded_by=acting_user,
                language=language[:8],
            )
            batch._history_user = acting_user  # type: ignore[attr-defined]
            batch.save()
            if enqueue:  # the task is registered by ScreeningConfig.ready()
                outbox.enqueue(TASK_NAME, batch_id=batch.pk)
    except IntegrityError:  # the same file, registered a moment ago by another
        path.unlink(missing_ok=True)
        existing = _live_batch(practice, sha256)
        if existing is None:
            raise
        return StartedImport(existing, duplicate=True)
    return StartedImport(batch, duplicate=False)


# --- Running a batch --------------------------------------------------------------


def _save(batch: ImportBatch, user: User, **changes: Any) -> None:
    for name, value in changes.items():
        setattr(batch, name, value)
    batch._history_user = user  # type: ignore[attr-defined]
    batch.save(update_fields=list(changes))


# Once a batch has finished, nothing reads its stored upload again.
FINISHED = (ImportStatus.COMPLETED, ImportStatus.REFUSED, ImportStatus.FAILED)


def forget_uploads(*, acting_user: User) -> int:
    """Delete the stored upload of every batch finished more than
    IMPORT_KEEP_FILES_DAYS ago; returns how many.

    An upload holds the practice's patient numbers, dates of birth and lab
    values outside the database: beyond its access control and beyond the
    erasure of a withdrawn consent. What was imported is in the registry; the
    batch keeps its file name, hash, counts and row notes (so the same file is
    still recognised), and its history says who cleared `file_path` and why.
    Batches still pending or running keep their file.
    """
    cutoff = timezone.now() - timedelta(days=settings.IMPORT_KEEP_FILES_DAYS)
    finished = ImportBatch.objects.filter(
        status__in=FINISHED, finished_at__lt=cutoff
    ).exclude(file_path="")
    forgotten = 0
    for batch in finished.iterator():
        # The file first: a failure after it leaves a path the next run clears.
        Path(batch.file_path).unlink(missing_ok=True)
        batch._change_reason = (
            f"stored upload deleted {settings.IMPORT_KEEP_FILES_DAYS} days after"
            " the batch finished"
        )
        _save(batch, acting_user, file_path="")
        forgotten += 1
    return forgotten


def _locked(batch_id: int) -> bool:
    """Only one worker imports a batch (a redelivered task finds it locked)."""
    if connection.vendor != "postgresql":
        return True  # SQLite serialises writers anyway
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_try_advisory_xact_lock(%s, %s)", [_LOCK_SPACE, batch_id]
        )
        return bool(cursor.fetchone()[0])


def _announce(batch: ImportBatch, user: User) -> None:
    """`assessment_recorded` once for the batch's assessments: the follow-up
    side picks out those that call for it, set-based."""
    assessment_recorded.send(
        sender=Assessment,
        assessments=Assessment.objects.filter(import_batch=batch),
        acting_user=user,
    )


def _record_issues(batch: ImportBatch, issues: list[RowIssue]) -> None:
    ImportRowError.objects.bulk_create(
        (
            ImportRowError(
                batch=batch,
                line=issue.line,
                column=issue.column,
                value=issue.value[:200],
                code=issue.code,
                reason_en=issue.reason_en,
                reason_de=issue.reason_de,
                kind=issue.kind,
            )
            for issue in sorted(issues, key=lambda issue: issue.line)
        ),
        batch_size=2000,
    )


def choose_path(
    name: str | None = None,
) -> Callable[[formats.Table, RunContext], Tally]:
    """The fast path on PostgreSQL, the slow one elsewhere (or when asked for)."""

    if name is None:
        name = "fast" if connection.vendor == "postgresql" else "slow"
    return fast_path.import_table if name == "fast" else slow_path.import_table


def run_import(
    batch_id: int,
    *,
    path: str | None = None,
    chunk_rows: int = CHUNK_ROWS,
    after_chunk: Callable[[int], None] | None = None,
) -> ImportBatch:
    """Import a registered batch; a batch that is no longer pending is left alone.

    `path` ("fast" or "slow") overrides the choice by database; `after_chunk` is
    called with the running count of imported rows after each chunk (tests use it
    to interrupt an import part-way).
    """
    batch = ImportBatch.objects.select_related("uploaded_by").get(pk=batch_id)
    if batch.status not in (ImportStatus.PENDING, ImportStatus.RUNNING):
        return batch
    user = batch.uploaded_by
    _save(batch, user, status=ImportStatus.RUNNING, progress=0)
    progress = Progress(batch.pk)
    language = batch.language or settings.LANGUAGE_CODE
    try:
        with translation.override(language), transaction.atomic():
            if not _locked(batch.pk):
                return batch
            ctx = RunContext(
                batch=batch,
                acting_user=user,
                change_reason=f"import batch {batch.pk}",
                ruleset=active_ruleset(),
                now=timezone.now(),
                chunk_rows=chunk_rows,
                progress=progress,
                after_chunk=after_chunk,
            )
            with formats.open_table(Path(batch.file_path)) as table:
                tally = choose_path(path)(table, ctx)
            _record_issues(batch, tally.issues)
            _announce(batch, user)
            _save(
                batch,
                user,
                status=ImportStatus.COMPLETED,
                message="",
                rows_read=tally.read,
                rows_imported=tally.imported,
                rows_skipped=tally.skipped,
                rows_rejected=tally.rejected,
                progress=100,
                finished_at=timezone.now(),
            )
    except formats.FileRefused as refusal:
        _finish(batch, user, ImportStatus.REFUSED, refusal.message)
    except Exception as error:
        logger.exception("import batch %s failed", batch.pk)
        _finish(
            batch,
            user,
            ImportStatus.FAILED,
            f"The import failed and was rolled back; nothing was imported. ({error})",
        )
    finally:
        progress.close()
    return batch


def _finish(batch: ImportBatch, user: User, status: str, message: str) -> None:
    """Record why a batch stopped, after its transaction was rolled back.

    When the database itself failed (a restart), this waits for it to answer
    again, up to FAILURE_RECORD_SECONDS: a batch left `running` would keep its
    file from being sent again.
    """
    deadline = time.monotonic() + FAILURE_RECORD_SECONDS
    pause = 0.25
    while True:
        try:
            _record_stop(batch, user, status, message)
            return
        except (OperationalError, InterfaceError) as error:
            if connection.in_atomic_block or time.monotonic() > deadline:
                raise
            logger.warning(
                "import batch %s: cannot record the failure yet: %s", batch.pk, error
            )
            connection.close()  # the next query connects anew
            time.sleep(pause)
            pause = min(pause * 2, 2.0)


def _record_stop(batch: ImportBatch, user: User, status: str, message: str) -> None:
    with transaction.atomic():
        # A run that took the batch over meanwhile (the outbox sweep published
        # it again while this one waited for the database) is not overwritten.
        if not _locked(batch.pk):
            return
        current = ImportBatch.objects.values_list("status", flat=True).get(pk=batch.pk)
        if current != ImportStatus.RUNNING:
            return
        _save(
            batch,
            user,
            status=status,
            message=message[:2000],
            rows_read=0,
            rows_imported=0,
            rows_skipped=0,
            rows_rejected=0,
            progress=0,
            finished_at=timezone.now(),
        )
