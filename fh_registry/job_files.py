"""Jobs run by a worker for a page or the API (statistics exports, FHIR bulk
exports): a folder under MEDIA_ROOT/<kind>/<job id> holding `job.json` (owner,
what was asked, status, progress) and the job's files. The page and the worker
share MEDIA_ROOT already; the job's lasting record is its ExportRecord."""

from __future__ import annotations

import json
import os
import re
import secrets
from pathlib import Path
from typing import Any

from django.conf import settings

JOB_ID = re.compile(r"^[0-9a-f]{32}$")


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
