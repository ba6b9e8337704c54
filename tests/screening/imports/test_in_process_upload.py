"""PostgreSQL with Celery in-process (no broker): an upload imports at once and
never deadlocks (the progress figure's own connection once waited on a lock
held by the very transaction that ran the import)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection, transaction

from fh_registry.celery import app
from fh_registry.models import Practice
from screening.imports.pipeline import start_import
from screening.models import ImportBatch
from tests.screening.imports.conftest import DATA

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def in_process() -> Iterator[None]:
    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


def test_an_upload_imports_in_process_without_deadlock(
    cast: Any, in_process: None
) -> None:
    outcome: dict[str, Any] = {}

    def upload() -> None:
        try:
            with transaction.atomic():  # the upload request's transaction
                started = start_import(
                    acting_user=cast["ped_a"],
                    practice=Practice.objects.get(code="DEMO-A"),
                    file_name="import_sample.csv",
                    chunks=[(DATA / "import_sample.csv").read_bytes()],
                    language="en",
                    enqueue=True,
                )
            outcome["batch"] = started.batch.pk
        except Exception as error:  # pragma: no cover - reported below
            outcome["error"] = error
        finally:
            connection.close()

    worker = threading.Thread(target=upload)
    worker.start()
    worker.join(timeout=60)
    assert not worker.is_alive(), "the in-process import hangs"
    assert "error" not in outcome
    batch = ImportBatch.objects.get(pk=outcome["batch"])
    assert batch.status == "completed"
    assert batch.rows_imported > 0
