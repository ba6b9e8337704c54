"""Finished export jobs' files are removed EXPORT_KEEP_DAYS after they were
last written (a daily beat job); pending and running jobs, and anything that is
not a job folder, stay."""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path
from typing import Any

import pytest

from fh_registry import job_files
from fh_registry.tasks import forget_finished_jobs

DAY = 86400


@pytest.fixture(autouse=True)
def media(tmp_path: Path, settings: Any) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EXPORT_KEEP_DAYS = 7
    return settings.MEDIA_ROOT


def _job(kind: str, status: str, *, days_ago: float) -> Path:
    folder = job_files.job_folder(kind, secrets.token_hex(16))
    job_files.write_job(folder, {"id": folder.name, "status": status})
    (folder / "table.csv").write_text("outcome,children\n")
    written = time.time() - days_ago * DAY
    os.utime(folder / "job.json", (written, written))
    return folder


def test_finished_jobs_past_the_limit_are_removed_in_every_kind() -> None:
    old = [
        _job(kind, status, days_ago=8)
        for kind in job_files.KINDS
        for status in ("completed", "failed")
    ]
    recent = [_job(kind, "completed", days_ago=6) for kind in job_files.KINDS]
    unfinished = [
        _job(kind, status, days_ago=30)
        for kind in job_files.KINDS
        for status in ("pending", "running")
    ]

    assert forget_finished_jobs() == len(old)
    assert forget_finished_jobs() == 0  # run again: nothing left

    assert not any(folder.exists() for folder in old)
    assert all(folder.exists() for folder in recent + unfinished)


def test_what_is_not_a_readable_job_folder_is_left_alone(media: Path) -> None:
    root = job_files.kind_folder(job_files.STATISTICS_EXPORTS)
    foreign = root / "not-a-job"
    foreign.mkdir(parents=True)
    half_made = root / secrets.token_hex(16)  # no job.json yet
    half_made.mkdir()
    stale = time.time() - 30 * DAY
    for folder in (foreign, half_made):
        os.utime(folder, (stale, stale))

    assert forget_finished_jobs() == 0
    assert foreign.exists()
    assert half_made.exists()


def test_no_folder_yet_is_nothing_to_do() -> None:
    assert forget_finished_jobs() == 0


def test_the_beat_schedule_runs_it_daily(settings: Any) -> None:
    from fh_registry.celery import app  # noqa: PLC0415

    name = "fh_registry.tasks.forget_finished_jobs"
    assert name in {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert name in app.tasks
