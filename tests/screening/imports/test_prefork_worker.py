"""A large file through a real prefork Celery worker, as in production: the
import forks its own worker processes from the worker's child process."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from fh_registry.models import Practice
from screening.imports.pipeline import start_import
from screening.models import ImportStatus, LabResult
from tests.screening.imports.conftest import mixed_rows, write_file

ROOT = Path(__file__).resolve().parents[3]
ROWS = 4500  # more than two chunks: worker processes are used
FINISHED = (ImportStatus.COMPLETED, ImportStatus.FAILED, ImportStatus.REFUSED)

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


def _worker() -> subprocess.Popen[str]:
    params = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{params['USER'] or ''}@{params['HOST']}:"
        f"{params['PORT'] or 5432}/{params['NAME']}",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "IMPORT_WORKERS": "2",
        "LOG_LEVEL": "INFO",
    }
    command = [sys.executable, "-m", "celery", "-A", "fh_registry", "worker"]
    return subprocess.Popen(
        [*command, "--pool=prefork", "--concurrency=1", "--loglevel=INFO"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_a_large_upload_is_imported_by_a_prefork_worker_forking_its_own(
    cast: Any, tmp_path: Path
) -> None:
    source = write_file(tmp_path / "large.csv", mixed_rows(ROWS, prefix="W"))
    worker = _worker()
    try:
        batch = start_import(  # published through the outbox after commit
            acting_user=cast["coord"],
            practice=Practice.objects.get(code="DEMO-A"),
            file_name=source.name,
            chunks=[source.read_bytes()],
            language="en",
        ).batch
        deadline = time.monotonic() + 180
        while batch.status not in FINISHED and time.monotonic() < deadline:
            time.sleep(0.5)
            batch.refresh_from_db()
    finally:
        worker.terminate()
        output, _ = worker.communicate(timeout=60)

    assert batch.status == ImportStatus.COMPLETED, (batch.message, output[-3000:])
    assert batch.rows_read == ROWS
    assert batch.rows_imported + batch.rows_skipped + batch.rows_rejected == ROWS
    assert batch.rows_imported > ROWS // 2
    assert LabResult.objects.filter(import_batch=batch).count() == batch.rows_imported
    decided = f"import batch {batch.pk}: deciding {ROWS} rows in 2 worker processes"
    assert decided in output
