"""Throughput of the lab-file import against PostgreSQL, side by side.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fh_registry \
        python benchmarks/import_results.py [--rows 100000] [--compare-rows 10000]

Creates a throwaway database `fh_bench` next to DATABASE_URL's, migrates it,
generates a realistic lab file (about 2 % bad rows, children with one or two
samples, both units, some LDL-C left for Friedewald) and measures:

  (a) our pipeline (`start_import` + `run_import`, fast path): parse, validate,
      assess, write persons, results, assessments and their history;
  (b) a raw psycopg COPY of the same file into a plain unindexed table: the floor;
  (c) django-import-export with a LabResult resource (per-row save + history),
      on `--compare-rows` rows, extrapolated;
  (d) bulk_create_with_history of LabResults with per-row validation (our row
      parser + model full_clean), no assessments, on `--compare-rows` rows;
  (e) the writes of (a) alone: its rows, already typed and assessed, through the
      fast path's INSERT … SELECTs into the six audited tables (rolled back):
      what this data model costs PostgreSQL however fast the rest becomes.

Prints rows/s, the ratios, and peak memory (PSS of the process and its forked
workers, sampled); drops `fh_bench` at the end.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

# The project instead of this folder at the head of sys.path: here
# benchmarks/queue.py would stand in for the standard library's queue.
sys.path[0] = str(Path(__file__).resolve().parents[1])

import psycopg

from benchmarks import bench_db

BENCH_DB = "fh_bench"
HEADER = (
    "practice_patient_id,sex,birth_date,sample_date,sample_type,fasting,unit,"
    "total_cholesterol,hdl_cholesterol,ldl_cholesterol,ldl_method,triglycerides,"
    "lab_sample_id,lipoprotein_a"
)
BAD_ROWS = (
    "{id},X,2015-01-01,2025-03-01,venous,no,mmol/L,4.2,1.3,2.4,direct,0.9,{sid},",
    "{id},F,2015-01-01,2025-03-01,venous,no,mmol/L,4.0,1.3,5.3,direct,0.9,{sid},",
    "{id},F,2015-01-01,2099-03-01,venous,no,mmol/L,4.2,1.3,2.4,direct,0.9,{sid},",
    "{id},F,2015-01-01,2025-03-01,venous,no,mmol/L,4.2x,1.3,2.4,direct,0.9,{sid},",
)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def workers_peak_rss_mb() -> float:
    """The largest finished child process (the import's forked workers)."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def _pss_kb(pid: int) -> int:
    """Proportional set size: pages shared after fork count once in the sum."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _children(parent: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == parent:
            found.append(int(entry))
    return found


def sample_memory(parent: int) -> None:
    """Sampler process: print the peak summed PSS of `parent` and its other
    children (the import's workers) once stdin closes. A process, not a thread:
    the import forks workers only from a single-threaded process."""
    me, peak = os.getpid(), 0
    stop = threading.Event()

    def until_stdin_closes() -> None:
        sys.stdin.read()
        stop.set()

    threading.Thread(target=until_stdin_closes, daemon=True).start()
    while not stop.wait(0.2):
        pids = [pid for pid in _children(parent) if pid != me]
        peak = max(peak, _pss_kb(parent) + sum(_pss_kb(pid) for pid in pids))
    print(peak / 1024)


class MemorySampler:
    """Peak memory of this process and its workers together (summed PSS),
    sampled every 0.2 s by a separate process while a step runs (Linux /proc)."""

    def __init__(self) -> None:
        self.peak_mb = 0.0

    def __enter__(self) -> MemorySampler:
        self._sampler = subprocess.Popen(
            [sys.executable, __file__, "--sample-memory", str(os.getpid())],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        return self

    def __exit__(self, *exc: object) -> None:
        output, _ = self._sampler.communicate("", timeout=30)
        self.peak_mb = float(output.strip() or 0)


def _process_cpu_seconds(pid: int) -> float:
    """User + system CPU of a process (Linux /proc), 0 once it has gone."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_seconds() -> tuple[int, dict[str, float]]:
    """The PostgreSQL backend of Django's connection, which the import writes
    through, and the CPU so far of this process, its finished children (the
    import's workers, and the memory sampler's few reads) and that backend."""
    from django.db import connection  # noqa: PLC0415

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return backend, {
        "this process": own.ru_utime + own.ru_stime,
        "its workers": children.ru_utime + children.ru_stime,
        "PostgreSQL": _process_cpu_seconds(backend),
    }


def generate(path: Path, rows: int, seed: int = 2026) -> None:
    """A lab file: 2 % bad rows, ~20 % of children with a second sample."""
    rng = random.Random(seed)
    start = date(2025, 1, 1)
    with path.open("w", encoding="utf-8") as out:
        out.write(HEADER + "\n")
        child = 0
        for index in range(rows):
            repeat = index % 5 == 4  # every fifth row: the previous child again
            if not repeat:
                child += 1
            patient = f"L{child:07d}"
            sample_id = f"S{index:08d}"
            if rng.random() < 0.02:
                out.write(rng.choice(BAD_ROWS).format(id=patient, sid=sample_id))
                out.write("\n")
                continue
            sex = "FM"[child % 2]
            birth = date(2012, 1, 1) + timedelta(days=child % 3000)
            sample = start + timedelta(days=(index * 7) % 600 + (30 if repeat else 0))
            ldl = max(
                1.2, rng.gauss(2.6, 0.7) + (rng.random() < 0.06) * rng.uniform(1, 3)
            )
            hdl, tg = rng.uniform(1.0, 1.8), rng.uniform(0.4, 2.2)
            tc = ldl + hdl + tg / 2.2 + rng.uniform(0.0, 0.2)
            ldl_text, method = f"{ldl:.2f}", rng.choice(("direct", "direct", ""))
            if rng.random() < 0.1:
                ldl_text, method = "", ""
            if index % 2:
                values = f"{tc:.2f},{hdl:.2f},{ldl_text},{method},{tg:.2f}"
                unit = "mmol/L"
            else:
                ldl_mg = f"{ldl * 38.67:.0f}" if ldl_text else ""
                values = (
                    f"{tc * 38.67:.0f},{hdl * 38.67:.0f},{ldl_mg},{method},"
                    f"{tg * 88.57:.0f}"
                )
                unit = "mg/dL"
            fasting = rng.choice(("yes", "no"))
            out.write(
                f"{patient},{sex},{birth.isoformat()},{sample.isoformat()},"
                f"capillary,{fasting},{unit},{values},{sample_id},\n"
            )


def timed(label: str, rows: int, run: Callable[[], Any]) -> float:
    started = time.perf_counter()
    run()
    seconds = time.perf_counter() - started
    rate = rows / seconds
    print(f"{label:<58}{rows:>8} rows {seconds:>8.2f} s {rate:>10,.0f} rows/s")
    return rate


def raw_copy(path: Path, params: dict[str, Any]) -> None:
    """(b) the physical floor: COPY the file into a plain unindexed table."""
    columns = ", ".join(f"{name} text" for name in HEADER.split(","))
    with psycopg.connect(dbname=BENCH_DB, **params) as conn, conn.cursor() as cur:
        cur.execute(f"CREATE TABLE raw_floor ({columns})")
        with (
            cur.copy("COPY raw_floor FROM STDIN (FORMAT csv, HEADER true)") as copy,
            path.open("rb") as source,
        ):
            while block := source.read(1 << 20):
                copy.write(block)


def head(path: Path, rows: int, target: Path) -> Path:
    with path.open() as source, target.open("w") as out:
        for index, line in enumerate(source):
            if index > rows:
                break
            out.write(line)
    return target


def our_pipeline(path: Path) -> Any:
    """(a) the command's steps: store + hash, then the fast-path import (the
    demo users exist already: hashing their passwords is start-up)."""
    from fh_registry.models import Practice, User  # noqa: PLC0415
    from screening.imports.pipeline import run_import, start_import  # noqa: PLC0415

    user = User.objects.get(username="ped_a")
    with path.open("rb") as source:
        started = start_import(
            acting_user=user,
            practice=Practice.objects.get(code="DEMO-A"),
            file_name=path.name,
            chunks=iter(lambda: source.read(1 << 20), b""),
            language="en",
            enqueue=False,
        )
    return run_import(started.batch.pk)


def import_export_rows(path: Path) -> None:
    """(c) django-import-export: a LabResult resource, rows saved one by one."""
    import tablib  # noqa: PLC0415
    from import_export import fields, resources, widgets  # noqa: PLC0415

    from fh_registry.models import User  # noqa: PLC0415
    from screening.models import LabResult, Person  # noqa: PLC0415

    user = User.objects.get(username="ped_b")

    class LabResultResource(resources.ModelResource):
        person = fields.Field(
            attribute="person",
            column_name="practice_patient_id",
            widget=widgets.ForeignKeyWidget(Person, "practice_patient_number"),
        )
        sample_date = fields.Field(
            attribute="sample_date",
            column_name="sample_date",
            widget=widgets.DateWidget("%Y-%m-%d"),
        )
        entered_unit = fields.Field(attribute="entered_unit", column_name="unit")
        total_cholesterol_entered = fields.Field(
            attribute="total_cholesterol_entered",
            column_name="total_cholesterol",
            widget=widgets.DecimalWidget(),
        )
        hdl_cholesterol_entered = fields.Field(
            attribute="hdl_cholesterol_entered",
            column_name="hdl_cholesterol",
            widget=widgets.DecimalWidget(),
        )
        ldl_cholesterol_entered = fields.Field(
            attribute="ldl_cholesterol_entered",
            column_name="ldl_cholesterol",
            widget=widgets.DecimalWidget(),
        )
        triglycerides_entered = fields.Field(
            attribute="triglycerides_entered",
            column_name="triglycerides",
            widget=widgets.DecimalWidget(),
        )

        class Meta:
            model = LabResult
            fields = (
                "person", "sample_date", "sample_type", "entered_unit",
                "total_cholesterol_entered", "hdl_cholesterol_entered",
                "ldl_cholesterol_entered", "triglycerides_entered", "lab_sample_id",
            )  # fmt: skip
            import_id_fields = ()
            skip_unchanged = False

        def before_save_instance(self, instance: Any, row: Any, **kwargs: Any) -> None:
            instance.source = "import"
            instance.entered_by = user
            instance.ldl_method = "direct"

    dataset = tablib.Dataset().load(path.read_text(), format="csv")
    LabResultResource().import_data(dataset, dry_run=False, raise_errors=False)


def bulk_with_validation(path: Path) -> None:
    """(d) per-row validation (our parser + full_clean), bulk_create_with_history."""
    from django.db import transaction  # noqa: PLC0415
    from simple_history.utils import bulk_create_with_history  # noqa: PLC0415

    from fh_registry.models import Practice, User  # noqa: PLC0415
    from screening.imports.formats import open_table  # noqa: PLC0415
    from screening.imports.rows import ParsedRow, parse_row  # noqa: PLC0415
    from screening.models import LabResult, Person  # noqa: PLC0415

    user = User.objects.get(username="ped_b")
    practice = Practice.objects.get(code="DEMO-B")
    persons: dict[str, Person] = {}
    results: list[LabResult] = []
    with open_table(path) as table:
        for line, values, _found in table.rows:
            if values is None:
                continue
            parsed = parse_row(line, values)
            if not isinstance(parsed, ParsedRow):
                continue
            person = persons.setdefault(
                parsed.patient_number,
                Person(
                    sex=parsed.sex,
                    birth_date=parsed.birth_date,
                    practice=practice,
                    practice_patient_number=parsed.patient_number,
                ),
            )
            entry = parsed.entry
            result = LabResult(
                person=person,
                sample_date=entry.sample_date,
                sample_type=entry.sample_type,
                fasting=entry.fasting,
                lab_sample_id=entry.lab_sample_id,
                entered_unit=entry.unit,
                total_cholesterol_entered=entry.total_cholesterol,
                hdl_cholesterol_entered=entry.hdl_cholesterol,
                ldl_cholesterol_entered=entry.ldl_cholesterol,
                triglycerides_entered=entry.triglycerides,
                ldl_method=entry.ldl_method,
                source="import",
                entered_by=user,
            )
            result.full_clean(
                exclude=["person", "entered_by", "import_batch"],
                validate_unique=False,
                validate_constraints=False,
            )
            results.append(result)
    with transaction.atomic():
        bulk_create_with_history(list(persons.values()), Person, default_user=user)
        for result in results:
            result.person_id = result.person.pk
        bulk_create_with_history(results, LabResult, batch_size=2000, default_user=user)


# The rows (a) wrote, in the fast path's staging layout, as a second set of
# children (prefix "B"): what the INSERT … SELECTs are given, without any work.
_TYPED_ROWS = """
CREATE UNLOGGED TABLE floor_accepted AS
SELECT (row_number() OVER (ORDER BY r.id))::int AS line,
    nextval(pg_get_serial_sequence('screening_labresult', 'id')) AS lab_result_id,
    NULL::bigint AS person_id, 'B' || p.pseudonym AS pseudonym,
    r.id = min(r.id) OVER (PARTITION BY r.person_id) AS creates_person,
    'B' || p.practice_patient_number AS patient, p.sex, p.birth_date,
    r.sample_date, r.sample_type, r.fasting, r.lab_sample_id, r.entered_unit AS unit,
    r.total_cholesterol_entered AS tc, r.hdl_cholesterol_entered AS hdl,
    r.ldl_cholesterol_entered AS ldl, r.triglycerides_entered AS tg,
    r.lipoprotein_a AS lpa, r.lipoprotein_a_unit AS lpa_unit, r.ldl_method,
    r.ldl_computed_here, r.tc_mmol_l AS tc_si, r.hdl_mmol_l AS hdl_si,
    r.ldl_mmol_l AS ldl_si, r.tg_mmol_l AS tg_si, s.ruleset_id, s.ruleset_version,
    s.outcome, s.criterion, s.alerts::text AS alerts, s.ldl_mmol_l AS a_ldl,
    s.ldl_source, s.score, s.reason_codes::text AS reason_codes,
    s.inputs::text AS inputs
FROM screening_labresult r
JOIN screening_person p ON p.id = r.person_id
JOIN screening_assessment s ON s.lab_result_id = r.id
WHERE r.import_batch_id = %s
"""


def write_floor(batch: Any) -> tuple[int, float]:
    """(e) Only the writes of (a): its rows, already typed and assessed, into
    persons, results, assessments and their history tables by the fast path's
    own statements (key triggers as in (a)); rolled back afterwards."""
    from django.db import connection, transaction  # noqa: PLC0415
    from django.utils import timezone  # noqa: PLC0415
    from psycopg import sql  # noqa: PLC0415

    from screening.assessing import active_ruleset  # noqa: PLC0415
    from screening.imports import fast_path  # noqa: PLC0415
    from screening.imports.run import Progress, RunContext  # noqa: PLC0415

    with transaction.atomic():
        connection.ensure_connection()
        with connection.connection.cursor() as cursor:
            cursor.execute(_TYPED_ROWS, (batch.pk,))
            cursor.execute("ANALYZE floor_accepted")
            cursor.execute("SELECT count(*) FROM floor_accepted")
            rows = int(cursor.fetchone()[0])
            cursor.execute("SET LOCAL work_mem = '128MB'")
            cursor.execute("SET LOCAL jit = off")
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # keys checked as in (a)
            ctx = RunContext(
                batch=batch,
                acting_user=batch.uploaded_by,
                change_reason="write floor",
                ruleset=active_ruleset(),
                now=timezone.now(),
                chunk_rows=rows,
                progress=Progress(batch.pk),
            )
            started = time.perf_counter()
            fast_path._insert_all(cursor, sql.Identifier("floor_accepted"), ctx)
            seconds = time.perf_counter() - started
            ctx.progress.close()
        transaction.set_rollback(True)
    return rows, seconds


def stage_times(source: Path) -> dict[str, float]:
    """Seconds of each stage of (a) in one process, no database: reading the
    file, then, chunk by chunk of children as the pipeline's workers take them,
    parsing and checking the rows, deciding them (the rule engine and the
    assessment fields) and writing their COPY text; (e) gives the writes."""
    from django.utils import timezone  # noqa: PLC0415

    from screening.assessing import active_ruleset  # noqa: PLC0415
    from screening.imports import children, fast_path, formats  # noqa: PLC0415
    from screening.imports.pipeline import CHUNK_ROWS  # noqa: PLC0415
    from screening.imports.rows import ParsedRow, parse_row  # noqa: PLC0415
    from screening.imports.run import child_chunks  # noqa: PLC0415

    today, ruleset = timezone.localdate(), active_ruleset()
    started = time.perf_counter()
    table = formats.open_table(source)
    raw = [(line, values) for line, values, _ in table.rows if values is not None]
    seconds = {"read the file": time.perf_counter() - started}
    raw.sort(key=lambda row: (row[1][0], row[0]))  # by child, as staged
    # Left out of garbage collections, as the pipeline's workers leave what
    # exists when they fork; else each collection walks the whole file.
    gc.freeze()
    for name in ("parse and check", "assess (rules, fields)", "COPY text"):
        seconds[name] = 0.0
    for chunk in child_chunks(iter(raw), CHUNK_ROWS):
        started = time.perf_counter()
        parsed = [parse_row(line, values, today) for line, values in chunk]
        rows = [row for row in parsed if isinstance(row, ParsedRow)]
        checked = time.perf_counter()
        decided = children.decide_chunk(
            children.group_rows(rows), known={}, ruleset=ruleset
        )
        assessed = time.perf_counter()
        "".join(
            fast_path._copy_line(fast_path._accepted_row(row, 0))
            for row in decided.accepted
        )
        seconds["parse and check"] += checked - started
        seconds["assess (rules, fields)"] += assessed - checked
        seconds["COPY text"] += time.perf_counter() - assessed
    gc.unfreeze()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--compare-rows", type=int, default=10_000)
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--sample-memory", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.sample_memory:
        sample_memory(args.sample_memory)
        return

    params = bench_db.admin_params("the fast path is measured")
    bench_db.recreate_database(params, BENCH_DB)
    os.environ["DATABASE_URL"] = bench_db.database_url(BENCH_DB)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fh_registry.settings")
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "true"
    work = Path(tempfile.mkdtemp(prefix="fh-bench-"))
    os.environ["MEDIA_ROOT"] = str(work / "media")
    try:
        run(args, params, work)
    finally:
        from django.db import connections  # noqa: PLC0415

        connections.close_all()
        if not args.keep_db:
            bench_db.recreate_database(params, BENCH_DB, drop_only=True)


def run(args: argparse.Namespace, params: dict[str, Any], work: Path) -> None:
    import django  # noqa: PLC0415

    # Migrated by a process of its own (the migration graph is no worker's);
    # this process then starts as a Celery worker does: its task modules, and
    # Django's system checks, which Celery's Django fixup runs (they load every
    # view), so that (a)'s memory is what an importing worker holds.
    subprocess.run(
        [sys.executable, str(Path(__file__).resolve().parents[1] / "manage.py"),
         "migrate", "--verbosity", "0"],
        check=True,
    )  # fmt: skip
    django.setup()
    from django.core.checks import run_checks  # noqa: PLC0415

    from fh_registry.celery import app  # noqa: PLC0415

    app.loader.import_default_modules()
    run_checks()
    from fh_registry.demo import ensure_demo_cast  # noqa: PLC0415

    ensure_demo_cast(password="bench")
    source = work / "lab.csv"
    generate(source, args.rows)
    compare = head(source, args.compare_rows, work / "compare.csv")
    print(f"file: {args.rows} rows, {source.stat().st_size / 1e6:.1f} MB")
    base_rss = peak_rss_mb()

    batch_holder: dict[str, Any] = {}
    backend_before, cpu_before = cpu_seconds()
    with MemorySampler() as memory:
        rate_a = timed(
            "(a) import_results pipeline (validate+assess+history)",
            args.rows,
            lambda: batch_holder.update(batch=our_pipeline(source)),
        )
    backend_after, cpu_after = cpu_seconds()
    cpu_a = {name: after - cpu_before[name] for name, after in cpu_after.items()}
    if backend_after != backend_before:  # reconnected: not comparable
        cpu_a.pop("PostgreSQL")
    peak_main, peak_worker = peak_rss_mb(), workers_peak_rss_mb()
    peak_a = memory.peak_mb
    batch = batch_holder["batch"]
    print(
        f"    batch {batch.pk} {batch.status}: read {batch.rows_read}, imported "
        f"{batch.rows_imported}, skipped {batch.rows_skipped}, rejected "
        f"{batch.rows_rejected}; peak memory {peak_a:.0f} MB (PSS of the "
        f"process and its workers; RSS: {peak_main:.0f} MB, before {base_rss:.0f} "
        f"MB; each worker at most {peak_worker:.0f} MB, mostly shared pages)"
    )
    rate_b = timed("(b) raw psycopg COPY into an unindexed table", args.rows,
                   lambda: raw_copy(source, params))  # fmt: skip
    rate_c = timed(
        "(c) django-import-export (LabResult resource, per-row save)",
        args.compare_rows,
        lambda: import_export_rows(compare),
    )
    rate_d = timed(
        "(d) bulk_create_with_history + per-row validation",
        args.compare_rows,
        lambda: bulk_with_validation(compare),
    )
    floor_rows, floor_seconds = write_floor(batch)
    rate_e = floor_rows / floor_seconds
    print(
        f"{'(e) only the writes of (a), from typed rows (no parsing, no rules)':<58}"
        f"{floor_rows:>8} rows {floor_seconds:>8.2f} s {rate_e:>10,.0f} rows/s"
    )
    print(
        f"CPU during (a) on {os.cpu_count()} cores: "
        + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in cpu_a.items())
        + f", together {sum(cpu_a.values()):.1f} s"
    )
    stages = stage_times(source)
    stages["write (e)"] = floor_seconds
    print(
        "where the time goes, one process each: "
        + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in stages.items())
    )
    print(
        f"ratios: a/b = {rate_a / rate_b:.3f} (floor is {rate_b / rate_a:.1f}x "
        f"faster), a/c = {rate_a / rate_c:.0f}x, a/d = {rate_a / rate_d:.1f}x, "
        f"e/b = {rate_e / rate_b:.3f} (the data model's writes alone)"
    )
    goals = {
        "a >= 25,000 rows/s": rate_a >= 25_000,
        "within 20x of b": rate_b / rate_a <= 20,
        "a >= 100x c": rate_a / rate_c >= 100,
        "peak memory (process + workers) < 300 MB": peak_a < 300,
    }
    print(
        "goals: "
        + ", ".join(f"{k} {'met' if v else 'NOT met'}" for k, v in goals.items())
    )


if __name__ == "__main__":
    main()
