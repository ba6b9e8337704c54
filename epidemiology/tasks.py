"""Exports requested on the statistics pages, run as Celery tasks.

A job is a folder under MEDIA_ROOT/exports/<job id>/ holding `job.json` (owner,
what was asked, status, percent done) and, when done, the file. The page
writes the job and an outbox row (published after commit), polls the status
and offers the download; the worker reads the job by id, writes the file and
its ExportRecord. Status lives in a file, not in the database, because the
page and the worker share MEDIA_ROOT already (as imports do) and a job's
progress is no registry data; the ExportRecord is the lasting record.

`export_files` writes the file (the report's figures as frames or the PDF)
and `exports.record_export` records it.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from epidemiology import exports
from epidemiology.models import ExportChannel, ExportKind
from fh_registry import job_files, outbox
from fh_registry.job_files import DONE, FAILED, FINISHED, PENDING, RUNNING
from fh_registry.models import User

logger = logging.getLogger(__name__)

TASK_NAME = "epidemiology.tasks.run_export"
TABLES = ("outcomes", "ldl_distribution", "screenings_by_quarter", "cascade")


@dataclass(frozen=True)
class Job:
    id: str
    owner_id: int
    kind: str  # ExportKind.TABLE or ExportKind.REPORT
    ruleset_id: str
    minimum: int
    language: str
    table: str = ""
    file_format: str = "pdf"
    status: str = PENDING
    progress: int = 0
    file_name: str = ""
    message: str = ""
    created_at: str = field(default_factory=lambda: timezone.now().isoformat())

    @property
    def done(self) -> bool:
        return self.status in FINISHED


def exports_dir() -> Path:
    return job_files.kind_folder(job_files.STATISTICS_EXPORTS)


def _folder(job_id: str) -> Path:
    return job_files.job_folder(job_files.STATISTICS_EXPORTS, job_id)


def load_job(job_id: str) -> Job:
    """The job, or FileNotFoundError for an unknown or malformed id."""
    return Job(**job_files.read_job(_folder(job_id)))


def save_job(job: Job) -> Job:
    job_files.write_job(_folder(job.id), asdict(job))
    return job


def job_file(job: Job) -> Path:
    return _folder(job.id) / job.file_name


def start_export(
    *,
    acting_user: User,
    kind: str,
    ruleset_id: str,
    minimum: int,
    language: str,
    table: str = "",
    file_format: str = "pdf",
) -> Job:
    """Write the job and publish its task after commit (outbox)."""
    job = save_job(
        Job(
            id=secrets.token_hex(16),
            owner_id=acting_user.pk,
            kind=kind,
            ruleset_id=ruleset_id,
            minimum=minimum,
            language=language,
            table=table,
            file_format=file_format,
        )
    )
    with transaction.atomic():
        outbox.enqueue(TASK_NAME, job_id=job.id)
    return job


# --- The task --------------------------------------------------------------------


@shared_task(acks_late=True)
def run_export(job_id: str) -> dict[str, Any]:
    """Produce a job's file and ExportRecord; a job already done is left alone,
    and one that another worker runs too (outbox.deliver)."""
    done = outbox.deliver(TASK_NAME, {"job_id": job_id}, lambda: _export(job_id))
    return done or {"job_id": job_id, "status": "taken by another worker"}


def _export(job_id: str) -> dict[str, Any]:
    try:
        job = load_job(job_id)
    except FileNotFoundError:
        return {"job_id": job_id, "status": "missing"}
    if job.done:
        return {"job_id": job_id, "status": job.status}
    job = save_job(replace(job, status=RUNNING, progress=5))

    def on_progress(fraction: float) -> None:
        percent = max(5, min(99, int(fraction * 100)))
        save_job(replace(job, status=RUNNING, progress=percent))

    # The statistics stack (pandas, pyarrow, reportlab: about 100 MB) is loaded
    # by the worker that runs an export, not by every worker.
    from epidemiology import export_files  # noqa: PLC0415

    try:
        name, rows, hidden = export_files.produce(job, _folder(job.id), on_progress)
    except Exception:
        logger.exception("export %s failed", job_id)
        save_job(replace(job, status=FAILED, message="The export failed."))
        raise
    owner = User.objects.get(pk=job.owner_id)
    exports.record_export(
        user=owner,
        actor=owner.username,
        channel=ExportChannel.PAGE,
        kind=ExportKind(job.kind),
        name=name,
        file_format=job.file_format,
        content=_folder(job.id) / name,
        minimum=job.minimum,
        rows=rows,
        rows_suppressed=hidden,
        parameters={
            "ruleset_id": job.ruleset_id,
            "table": job.table,
            "language": job.language,
            "job": job.id,
        },
    )
    save_job(replace(job, status=DONE, progress=100, file_name=name))
    return {"job_id": job_id, "status": DONE, "file": name}
