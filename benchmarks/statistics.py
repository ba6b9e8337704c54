"""The standard statistics tables on 1,000,000 lab results, PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fh_registry \
        python benchmarks/statistics.py [--rows 1000000] [--keep-db] [--reuse-db]

Creates a throwaway database `fh_bench_statistics` next to DATABASE_URL's,
migrates it and fills it through the bulk import (the generator and pipeline of
benchmarks/import_results.py). Then measures:

  (a) the standard table set end to end: read the frames (COPY … TO STDOUT into
      Arrow-backed pandas, the large ones at once on connections of their own),
      generalise, suppress, write one CSV per table; the budget is 5 s;
  (b) the read path alone, frame by frame, beside plain `pandas.read_sql` of
      the same query on the same connection, with the ratio.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

# The script's own directory comes last, not first: benchmarks/queue.py and this
# file must not shadow the standard library's queue and statistics.
sys.path[0] = str(Path(__file__).resolve().parents[1])
sys.path.append(str(Path(__file__).resolve().parent))

import psycopg
from import_results import generate, our_pipeline

from benchmarks import bench_db

BENCH_DB = "fh_bench_statistics"
BUDGET_SECONDS = 5.0


def exists(params: dict) -> bool:
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
        found = admin.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (BENCH_DB,)
        ).fetchone()
    return found is not None


def point_django_at_bench_db() -> None:
    os.environ["DATABASE_URL"] = bench_db.database_url(BENCH_DB)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fh_registry.settings")
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "true"


def fill(rows: int, work: Path) -> None:
    from django.core.management import call_command  # noqa: PLC0415 (after django.setup)

    call_command("migrate", verbosity=0)
    from fh_registry.demo import ensure_demo_cast  # noqa: PLC0415 (after django.setup)

    ensure_demo_cast(password="bench")  # the importing user
    source = work / "results.csv"
    generate(source, rows)
    started = time.perf_counter()
    batch = our_pipeline(source)
    print(
        f"bulk import of {rows:,} rows: {time.perf_counter() - started:.1f} s "
        f"({getattr(batch, 'status', '')})"
    )


def table_set(work: Path) -> float:
    from django.db import connection  # noqa: PLC0415 (after django.setup)
    from django.utils import timezone  # noqa: PLC0415 (after django.setup)

    from epidemiology import tables  # noqa: PLC0415 (after django.setup)
    from epidemiology.frames import FrameCache  # noqa: PLC0415 (after django.setup)
    from epidemiology.writers import write_table  # noqa: PLC0415 (after django.setup)

    out = work / "tables"
    out.mkdir(exist_ok=True)
    started = time.perf_counter()
    frames = FrameCache(using=connection)
    frames.prefetch(tables.sources(tables.STANDARD_TABLES))
    options = tables.Options(minimum=10, today=timezone.localdate())
    for table in tables.STANDARD_TABLES:
        began = time.perf_counter()
        frame = tables.build(table, frames, options)
        write_table(frame, out / table.name, "csv")
        print(
            f"  {table.name:<42}{len(frame):>6} rows "
            f"{tables.hidden_cells(frame):>5} hidden "
            f"{time.perf_counter() - began:>7.2f} s"
        )
    return time.perf_counter() - started


def read_paths() -> None:
    from django.db import connection  # noqa: PLC0415 (after django.setup)

    from epidemiology.frames import FRAMES, read_by_copy, read_by_pandas  # noqa: PLC0415 (after django.setup)

    print(f"{'frame':<14}{'rows':>10}{'COPY+Arrow':>12}{'read_sql':>10}{'ratio':>8}")
    for name, (sql, schema, _source) in FRAMES.items():
        began = time.perf_counter()
        fast = read_by_copy(sql, schema, using=connection)
        copy_s = time.perf_counter() - began
        began = time.perf_counter()
        read_by_pandas(sql, schema, using=connection)
        plain_s = time.perf_counter() - began
        print(
            f"{name:<14}{len(fast):>10,}{copy_s:>11.2f}s{plain_s:>9.2f}s"
            f"{plain_s / max(copy_s, 1e-9):>7.1f}x"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument(
        "--reuse-db", action="store_true", help="Keep a filled database from --keep-db."
    )
    args = parser.parse_args()
    # import_results' message, which this script has always given.
    params = bench_db.admin_params("the fast path is measured")
    reuse = args.reuse_db and exists(params)
    if not reuse:
        bench_db.recreate_database(params, BENCH_DB)
    point_django_at_bench_db()
    work = Path(tempfile.mkdtemp(prefix="fh-bench-stats-"))
    os.environ["MEDIA_ROOT"] = str(work / "media")
    import django  # noqa: PLC0415 (after django.setup)

    django.setup()
    try:
        if not reuse:
            fill(args.rows, work)
        from django.db import connection  # noqa: PLC0415 (after django.setup)

        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
            cursor.execute("SELECT count(*) FROM screening_labresult")
            print(f"lab results in the database: {cursor.fetchone()[0]:,}")
        table_set(work)  # warm: connection, imports, caches of the OS
        seconds = table_set(work)
        verdict = "within" if seconds < BUDGET_SECONDS else "OVER"
        print(f"(a) standard table set end to end: {seconds:.2f} s ({verdict} 5 s)")
        print("(b) read path beside plain pandas.read_sql:")
        read_paths()
    finally:
        from django.db import connections  # noqa: PLC0415 (after django.setup)

        connections.close_all()
        if not (args.keep_db or args.reuse_db):
            bench_db.recreate_database(params, BENCH_DB, drop_only=True)


if __name__ == "__main__":
    main()
