"""A record-level extract of 1,000,000 children to Parquet: < 10 s, peak < 1 GB.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fh_registry \
        python benchmarks/extract.py [--rows 1000000] [--keep]

Creates a throwaway database `fh_bench_extract` next to DATABASE_URL's, migrates
it, writes `--rows` children (one lab result and one EAS 2026 assessment each,
some with a second, later sample) in 60 practices by set-based SQL, then runs
`manage.py extract_records` as a child process and prints its wall time, its
peak resident memory, and the released and suppressed counts. Drops the
database at the end unless --keep.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

# The project, not this folder, heads sys.path: benchmarks/queue.py would
# shadow the standard library's queue (psycopg uses it).
sys.path[0] = str(Path(__file__).resolve().parents[1])

import psycopg

from benchmarks import bench_db

ROOT = Path(__file__).resolve().parents[1]
BENCH_DB = "fh_bench_extract"
PRACTICES = 60


def manage(*arguments: str, **run: Any) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DATABASE_URL": bench_db.database_url(BENCH_DB),
        "DJANGO_ENV": "test",
    }
    return subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=ROOT,
        env=env,
        check=True,
        text=True,
        capture_output=True,
        **run,
    )


SEED = """
INSERT INTO screening_person (pseudonym, sex, birth_date, practice_id,
    practice_patient_number, created_at, deceased)
SELECT 'FH-B' || lpad(g::text, 9, '0'),
       CASE WHEN g % 2 = 0 THEN 'F' ELSE 'M' END,
       date '2010-01-01' + ((g::bigint * 7919) % 4000)::int,
       (SELECT min(id) FROM fh_registry_practice) + (g * 31) % {practices},
       'PPN-' || g, now(), false
  FROM generate_series(1, {rows}) g;
INSERT INTO screening_labresult (person_id, sample_date, sample_type,
    lab_sample_id, entered_unit, ldl_method, ldl_computed_here,
    lipoprotein_a_unit, secondary_cause, source, created_at, entered_by_id,
    ldl_mmol_l)
SELECT p.id, p.birth_date + 1800 + ((p.id * 104729) % 2600)::int, 'capillary', '',
       'mmol/L', 'direct', false, '', '', 'import', now(),
       (SELECT id FROM fh_registry_user WHERE username = 'bench'),
       round((1.5 + ((p.id * 7) % 400) / 100.0)::numeric, 6)
  FROM screening_person p
UNION ALL
SELECT p.id, p.birth_date + 4500, 'venous', '', 'mmol/L', 'direct', false, '',
       '', 'import', now(),
       (SELECT id FROM fh_registry_user WHERE username = 'bench'), 4.1
  FROM screening_person p WHERE p.id % 20 = 0;
INSERT INTO screening_assessment (person_id, lab_result_id, ruleset_id,
    ruleset_version, outcome, criterion, alerts, ldl_source, inputs, created_at,
    created_by_id, reason_codes, ldl_mmol_l)
SELECT r.person_id, r.id, 'eas2026', '2026.1',
       CASE WHEN r.ldl_mmol_l > 4.5 THEN 'positive' ELSE 'negative' END,
       '', '[]', 'direct', '{{}}', now(), r.entered_by_id, '[]', r.ldl_mmol_l
  FROM screening_labresult r;
ANALYZE;
"""


# Users and practices by the ORM (their tables gain columns), the volume by SQL.
CAST = """
from fh_registry.models import Practice, Role, User
User.objects.create(username="bench", role=Role.PEDIATRICIAN)
Practice.objects.bulk_create(
    Practice(code=f"P{g}", name=f"Praxis {g}", district=f"Kreis {g % 12}",
             postcode_prefix=f"{(g * 37) % 990 + 10:03d}01")
    for g in range(1, PRACTICES + 1)
)
"""


def seed(rows: int, params: dict[str, Any]) -> None:
    manage("shell", "-c", CAST.replace("PRACTICES", str(PRACTICES)))
    with psycopg.connect(dbname=BENCH_DB, autocommit=True, **params) as db:
        db.execute(SEED.format(rows=rows, practices=PRACTICES))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()

    params = bench_db.admin_params()
    bench_db.recreate_database(params, BENCH_DB)
    try:
        manage("migrate", "-v0")
        started = time.perf_counter()
        seed(args.rows, params)
        print(f"seeded {args.rows:,} children in {time.perf_counter() - started:.1f} s")
        with tempfile.TemporaryDirectory() as folder:
            output = Path(folder) / "extract.parquet"
            started = time.perf_counter()
            done = manage("extract_records", "--output", str(output))
            seconds = time.perf_counter() - started
            peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            size_mb = output.stat().st_size / 1e6
        print(done.stdout.strip())
        print(
            f"extract_records: {seconds:.2f} s wall (Django start-up included), "
            f"peak RSS {peak_mb:.0f} MB, Parquet {size_mb:.1f} MB"
        )
        print(
            "goal: < 10 s and < 1024 MB:",
            "met" if seconds < 10 and peak_mb < 1024 else "MISSED",
        )
    finally:
        if not args.keep:
            bench_db.recreate_database(params, BENCH_DB, drop_only=True)


if __name__ == "__main__":
    main()
