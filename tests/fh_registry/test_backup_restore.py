"""bin/backup and bin/restore: a backup restored into a fresh database holds
the same rows (real pg_dump / pg_restore)."""

from __future__ import annotations

import os
import subprocess
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.db import connection

from tests.personas import record_result, register_child

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
TABLES = (
    "screening_person",
    "screening_personidentity",
    "screening_labresult",
    "screening_assessment",
    "screening_historicalperson",
    "followup_careepisode",
    "followup_task",
    "fh_registry_user",
)


def _url(name: str) -> str:
    s = connection.settings_dict
    host, port = s["HOST"] or "127.0.0.1", s["PORT"] or 5432
    return f"postgresql://{s['USER']}@{host}:{port}/{name}"


def _counts(url: str) -> dict[str, int]:
    with psycopg.connect(url) as db:
        counts = {}
        for table in TABLES:
            row = db.execute(f"SELECT count(*) FROM {table}").fetchone()
            assert row is not None
            counts[table] = int(row[0])
        return counts


def test_a_backup_restores_into_a_fresh_database_with_the_same_rows(
    cast: Any, tmp_path: Path, settings: Any
) -> None:
    settings.ACTIVE_PAEDIATRIC_RULESET = "eas2026"
    for number in range(3):
        child = register_child(cast["ped_a"], number=f"A-{number}")
        record_result(
            cast["ped_a"],
            child,
            total_cholesterol=Decimal("7.0"),
            ldl_cholesterol=Decimal("5.2"),
        )
    source = _url(connection.settings_dict["NAME"])
    target_name = f"restore_{uuid.uuid4().hex[:8]}"
    admin = _url("postgres")
    dump = tmp_path / "registry.dump"
    env = {**os.environ}
    try:
        subprocess.run(
            [str(ROOT / "bin/backup"), str(dump)],
            env={**env, "DATABASE_URL": source},
            check=True,
            capture_output=True,
        )
        with psycopg.connect(admin, autocommit=True) as db:
            db.execute(f"CREATE DATABASE {target_name}")
        target = _url(target_name)
        subprocess.run(
            [str(ROOT / "bin/restore"), str(dump)],
            env={**env, "DATABASE_URL": target},
            check=True,
            capture_output=True,
        )
        before = _counts(source)
        assert before["followup_task"] == 3
        assert _counts(target) == before
        # Restoring over data is refused: nothing is overwritten.
        again = subprocess.run(
            [str(ROOT / "bin/restore"), str(dump)],
            env={**env, "DATABASE_URL": target},
            capture_output=True,
            text=True,
            check=False,
        )
        assert again.returncode == 2
        assert "not empty" in again.stderr
    finally:
        with psycopg.connect(admin, autocommit=True) as db:
            db.execute(f"DROP DATABASE IF EXISTS {target_name} WITH (FORCE)")
