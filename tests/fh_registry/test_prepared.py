"""The capture's and the child page's statements run prepared, in one round trip."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.db import DataError, connection, transaction

from fh_registry.rawsql import fetch_row, fetch_sets
from screening import services
from tests import personas

ROOT = Path(__file__).resolve().parents[2]

_BATCH = [
    (None, "SELECT code FROM fh_registry_practice WHERE id > %(after)s ORDER BY id"),
    (None, "SELECT count(*) FROM fh_registry_user WHERE id > %(after)s"),
]


def _prepared() -> list[str]:
    """This connection's prepared statements (Django's own cursor prepares none)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements ORDER BY name")
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.django_db
def test_a_batch_is_prepared_once_and_counted_as_one_query(
    cast: Any, django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(1):
        first = fetch_sets(_BATCH, {"after": 0})
    assert first == [[("DEMO-A",), ("DEMO-B",)], [(len(cast),)]]
    statements = _prepared()
    assert any("FROM fh_registry_practice WHERE id > $1" in s for s in statements)
    assert any("FROM fh_registry_user WHERE id > $1" in s for s in statements)
    assert fetch_sets(_BATCH, {"after": 0}) == first
    assert _prepared() == statements  # the same statements again, none added


@pytest.mark.django_db
def test_a_capture_prepares_its_statements_once(ped_a: Any, child_a: Any) -> None:
    def capture(day: int) -> None:
        services.record_lab_result(
            acting_user=ped_a,
            person=child_a,
            entry=personas.lab_entry(sample_date=date(2026, 3, day)),
        )

    capture(1)
    statements = _prepared()
    assert any(s.lstrip().startswith("WITH parent AS") for s in statements)
    assert any("FROM screening_labresult" in s for s in statements)
    capture(2)
    assert _prepared() == statements


@pytest.mark.django_db
def test_errors_come_as_djangos_exceptions(cast: Any) -> None:
    with pytest.raises(DataError), transaction.atomic():
        fetch_row("SELECT 1 / %s", [0])
    assert fetch_row("SELECT 1 / %s", [1]) == (1,)


@pytest.fixture
def probe_table() -> Iterator[psycopg.Connection[Any]]:
    """A table of its own, changed from another connection."""
    settings = connection.settings_dict
    other = psycopg.connect(
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
        user=settings["USER"] or None,
        dbname=settings["NAME"],
        autocommit=True,
    )
    other.execute("CREATE TABLE rawsql_probe (id int)")
    other.execute("INSERT INTO rawsql_probe VALUES (1)")
    try:
        yield other
    finally:
        other.execute("DROP TABLE rawsql_probe")
        other.close()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("batch", [1, 2])
def test_a_table_changed_by_another_connection_is_read_anew(
    probe_table: psycopg.Connection[Any], batch: int
) -> None:
    # A migration adding a column while workers run: PostgreSQL refuses a
    # prepared SELECT * whose columns changed ("cached plan must not change
    # result type"); the statements are dropped and the read sent again.
    queries = [(None, "SELECT * FROM rawsql_probe WHERE id = %(id)s")] * batch
    assert fetch_sets(queries, {"id": 1}) == [[(1,)]] * batch
    probe_table.execute("ALTER TABLE rawsql_probe ADD COLUMN note text DEFAULT 'x'")
    assert fetch_sets(queries, {"id": 1}) == [[(1, "x")]] * batch


def _options(**env: str) -> dict[str, Any]:
    probe = (
        "import django, json; django.setup(); from django.conf import settings; "
        "print(json.dumps(settings.DATABASES['default'].get('OPTIONS', {})))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "fh_registry.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def test_prepared_statements_can_be_switched_off_for_a_pooler() -> None:
    assert _options()["prepare_threshold"] == 5
    assert "prepare_threshold" not in _options(DATABASE_PREPARED_STATEMENTS="false")
    sqlite = _options(DATABASE_URL="sqlite:///unused.sqlite3")
    assert "prepare_threshold" not in sqlite
