"""The bulk export as a Celery task, kicked off by `POST /api/v1/fhir/$export`.

A job is a folder MEDIA_ROOT/fhir-exports/<job id>/ holding `job.json` (owner,
since, status, percent done) and, when done, `files/<Type>.ndjson`; as for the
statistics exports, the status is a file the API and the worker share, and the
ExportRecord is the lasting record.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from epidemiology.models import ExportChannel
from fh_registry import job_files, outbox
from fh_registry.job_files import DONE, FAILED, FINISHED, PENDING, RUNNING
from fh_registry.models import User
from screening.models import Person

logger = logging.getLogger(__name__)

TASK_NAME = "interop.tasks.run_bulk_export"


@dataclass(frozen=True)
class BulkJob:
    id: str
    owner_id: int
    since: str = ""  # ISO date or ""
    status: str = PENDING
    progress: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    message: str = ""
    requested_at: str = field(default_factory=lambda: timezone.now().isoformat())
    finished_at: str = ""

    @property
    def done(self) -> bool:
        return self.status in FINISHED


def jobs_dir() -> Path:
    return job_files.kind_folder(job_files.FHIR_EXPORTS)


def job_folder(job_id: str) -> Path:
    return job_files.job_folder(job_files.FHIR_EXPORTS, job_id)


def files_folder(job_id: str) -> Path:
    return job_folder(job_id) / "files"


def load_job(job_id: str) -> BulkJob:
    """The job, or FileNotFoundError for an unknown or malformed id."""
    return BulkJob(**job_files.read_job(job_folder(job_id)))


def save_job(job: BulkJob) -> BulkJob:
    job_files.write_job(job_folder(job.id), asdict(job))
    return job


def start_bulk_export(*, acting_user: User, since: date | None) -> BulkJob:
    """Write the job and publish its task after commit (outbox)."""
    job = save_job(
        BulkJob(
            id=secrets.token_hex(16),
            owner_id=acting_user.pk,
            since=since.isoformat() if since else "",
        )
    )
    with transaction.atomic():
        outbox.enqueue(TASK_NAME, job_id=job.id)
    return job


@shared_task(acks_late=True)
def run_bulk_export(job_id: str) -> dict[str, Any]:
    """Write a job's NDJSON files and ExportRecord; a finished job is left alone,
    and one that another worker runs too (outbox.deliver).

    The cohort is the owner's persons in scope at the time the task runs."""
    done = outbox.deliver(TASK_NAME, {"job_id": job_id}, lambda: _export(job_id))
    return done or {"job_id": job_id, "status": "taken by another worker"}


def _export(job_id: str) -> dict[str, Any]:
    # The writer reads through pandas and fhir.resources (some 100 MB): loaded
    # by the job that needs it, not by every process that registers the task.
    from interop import bulk  # noqa: PLC0415

    try:
        job = load_job(job_id)
    except FileNotFoundError:
        return {"job_id": job_id, "status": "missing"}
    if job.done:
        return {"job_id": job_id, "status": job.status}
    job = save_job(replace(job, status=RUNNING, progress=1))
    owner = User.objects.get(pk=job.owner_id)
    since = date.fromisoformat(job.since) if job.since else None
    folder = files_folder(job_id)
    if folder.exists():  # a redelivered task starts the files again
        for stale in folder.iterdir():
            stale.unlink()

    def on_progress(fraction: float) -> None:
        save_job(
            replace(job, status=RUNNING, progress=max(1, min(99, int(fraction * 100))))
        )

    try:
        export = bulk.export_bulk(
            Person.objects.for_user(owner), folder, since=since, progress=on_progress
        )
        bulk.record_bulk_export(
            export, acting_user=owner, channel=ExportChannel.API, since=since
        )
    except Exception:
        logger.exception("FHIR bulk export %s failed", job_id)
        save_job(replace(job, status=FAILED, message="The export failed."))
        raise
    save_job(
        replace(
            job,
            status=DONE,
            progress=100,
            counts=export.counts,
            finished_at=timezone.now().isoformat(),
        )
    )
    return {"job_id": job_id, "status": DONE, "resources": export.resources}
