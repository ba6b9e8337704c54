"""Jobs run by a worker for a page or the API (statistics exports, FHIR bulk
exports): a folder under MEDIA_ROOT/<kind>/<job id> holding `job.json` (owner,
what was asked, status, progress) and the job's files. The page and the worker
share MEDIA_ROOT already; the job's lasting record is its ExportRecord. A
finished job's folder is removed EXPORT_KEEP_DAYS after it was last written
(`forget_finished`, a daily beat job)."""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import time
from pathlib import Path
from typing import Any

from django.conf import settings

JOB_ID = re.compile(r"^[0-9a-f]{32}$")
# The kinds of job, each a folder under MEDIA_ROOT.
STATISTICS_EXPORTS = "exports"
FHIR_EXPORTS = "fhir-exports"
KINDS = (STATISTICS_EXPORTS, FHIR_EXPORTS)
# A job's status in its job.json; a finished job runs no more.
PENDING, RUNNING, DONE, FAILED = "pending", "running", "completed", "failed"
FINISHED = (DONE, FAILED)


def kind_folder(kind: str) -> Path:
    return Path(settings.MEDIA_ROOT) / kind


def job_folder(kind: str, job_id: str) -> Path:
    """The job's folder; FileNotFoundError for an id that is not one of ours."""
    if not JOB_ID.match(job_id):
        raise FileNotFoundError(job_id)
    return kind_folder(kind) / job_id


def read_job(folder: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((folder / "job.json").read_text("utf-8"))
    return data


def write_job(folder: Path, data: dict[str, Any]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / f".job.{secrets.token_hex(4)}.json"
    partial.write_text(json.dumps(data), encoding="utf-8")
    os.replace(partial, folder / "job.json")  # pollers never read half a file


def forget_finished(kind: str, *, keep_days: int) -> int:
    """Remove the folders of `kind`'s finished jobs (file and job.json) last
    written more than `keep_days` ago; pending and running jobs stay. Returns
    how many were removed."""
    root = kind_folder(kind)
    if not root.is_dir():
        return 0
    cutoff = time.time() - keep_days * 86400
    removed = 0
    for folder in root.iterdir():
        if not JOB_ID.match(folder.name):
            continue
        try:
            written = (folder / "job.json").stat().st_mtime
            finished = read_job(folder).get("status") in FINISHED
        except (OSError, ValueError):  # half-made or foreign: left alone
            continue
        if finished and written < cutoff:
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
    return removed
