"""PostgreSQL restarted in the middle of an import (a private cluster, so the
suite's shared one keeps running): the batch fails cleanly, nothing of it is
left half-written, and the same file imported again is imported whole."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.db import connection

from tests.faults.conftest import (
    PYTHON,
    PrivateCluster,
    Registry,
    database_url,
    wait_until,
)
from tests.screening.imports.conftest import mixed_rows, write_file

pytestmark = pytest.mark.faults

ROWS = 6000
DATABASE = "fh_faults"
# What the batch wrote, counted by table: nothing may be left of a failed one.
WRITTEN = {
    "screening_person": "practice_id = %(practice)s",
    "screening_historicalperson": "practice_id = %(practice)s",
    "screening_labresult": "import_batch_id = %(batch)s",
    "screening_historicallabresult": "import_batch_id = %(batch)s",
    "screening_assessment": "import_batch_id = %(batch)s",
    "screening_importrowerror": "batch_id = %(batch)s",
}


@pytest.fixture
def registry_on_private_cluster(
    transactional_db: Any, cast: Any, private_postgres: PrivateCluster
) -> Any:
    """The registry's command line on a copy of the test database (the cast
    committed) in the private cluster."""
    folder = Path(tempfile.mkdtemp(prefix="fh-faults-import-"))
    url = private_postgres.copy(database_url(connection.settings_dict), DATABASE)
    processes = Registry(folder, url, broker=None)
    yield processes
    processes.stop()
    shutil.rmtree(folder, ignore_errors=True)


def one(db: psycopg.Connection[Any], query: str, params: Any = None) -> Any:
    """The one row `query` finds."""
    found = db.execute(query, params).fetchone()
    assert found is not None, query
    return found


def written(db: psycopg.Connection[Any], batch: int, practice: int) -> dict[str, int]:
    keys = {"batch": batch, "practice": practice}
    return {
        table: one(db, f"SELECT count(*) FROM {table} WHERE {where}", keys)[0]
        for table, where in WRITTEN.items()
    }


@pytest.mark.parametrize("mode", ["fast", "immediate"])
def test_postgresql_restarted_mid_import_fails_the_batch_cleanly_and_a_rerun_imports_it(
    registry_on_private_cluster: Registry,
    private_postgres: PrivateCluster,
    tmp_path: Path,
    mode: str,
) -> None:
    registry = registry_on_private_cluster
    source = write_file(tmp_path / "lab.csv", mixed_rows(ROWS, prefix="P"))
    command = ["manage.py", "import_results", str(source), "--practice", "DEMO-A"]
    importing, log = registry.start("import", [PYTHON, *command])
    db = private_postgres.connect(DATABASE)
    (practice,) = one(db, "SELECT id FROM fh_registry_practice WHERE code = 'DEMO-A'")

    def running_past_40() -> int | None:
        row = db.execute(
            "SELECT id, status, progress FROM screening_importbatch"
        ).fetchone()
        return row[0] if row and row[1] == "running" and row[2] >= 40 else None

    batch = wait_until(running_past_40, seconds=120, what="the import")
    db.close()
    private_postgres.stop(mode)
    # Down until the importer has met the failure, then up again.
    wait_until(
        lambda: f"import batch {batch} failed" in log.read_text(),
        seconds=60,
        what="the importer to meet the failure",
    )
    private_postgres.start()
    importing.wait(timeout=180)

    output = log.read_text()
    assert importing.returncode == 1, output[-3000:]
    assert (
        f"Batch {batch} failed: The import failed and was rolled back; nothing was "
        "imported." in output
    )
    db = private_postgres.connect(DATABASE)
    status, message, counts = one(
        db,
        "SELECT status, message, rows_read + rows_imported + rows_skipped "
        "+ rows_rejected FROM screening_importbatch WHERE id = %s",
        [batch],
    )
    assert (status, counts) == ("failed", 0)
    assert message.startswith("The import failed and was rolled back")
    assert set(written(db, batch, practice).values()) == {0}

    rerun = registry.manage("import_results", str(source), "--practice", "DEMO-A")
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    again, imported = one(
        db,
        "SELECT id, rows_imported FROM screening_importbatch "
        "WHERE status = 'completed'",
    )
    assert f"Batch {again} completed: read {ROWS}, imported {imported}," in rerun.stdout
    assert imported > ROWS // 2
    assert written(db, again, practice)["screening_labresult"] == imported
    db.close()
