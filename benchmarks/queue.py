"""The coordinators' work queue at registry scale, against PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fh_registry \
        python benchmarks/queue.py [--results 1000000] [--tasks 50000] \
            [--small-tasks 10000] [--db fh_bench_queue] [--keep-db]

Builds a database of its own (`--db`, dropped and created next to
DATABASE_URL's, migrated) and fills it through the real bulk import
(`start_import` + `run_import`, as `manage.py import_results` does): generated
lab files in which a controlled share of children has a positive LDL-C, so that
the import's `assessment_recorded` reaction opens about `--tasks` care episodes,
each with an open `repeat_lipids` task. It imports in two stages, the first
with `--small-tasks` tasks (and the same share of results), and measures after
each, side by side:

  (1) (after VACUUM ANALYZE, the state autovacuum would give the tables by then)
      the queue page `/followup/queue/` and `/api/v1/tasks/` for a coordinator
      (the page with a session from `force_login`, the API with a token):
      p50/p95 over `--requests` requests of varied filters and pages at page
      size 50, the query count per request (CaptureQueriesContext), and the
      count at page sizes 10/50/100; `/healthz` as the server's floor;
and after the full stage:
  (2) `--coordinators` coordinators claiming through `followup.services.claim`
      in threads for `--claim-seconds`, each alternating between tasks of its
      own and tasks all of them race for: claims per second, and a check that no
      task was claimed twice (the winners, the assignees and the history rows);
  (3) the daily escalation (`followup.jobs.escalate_overdue`) on a day on which
      every active task is overdue, then once more (it must change nothing).

Prints a table of the figures against the goals; drops the database at the end
unless `--keep-db`.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this folder heads sys.path, and this file would stand in for
# the standard library's `queue` (which logging, kombu and others import).
sys.path.pop(0)
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import math
import os
import random
import statistics
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from benchmarks import bench_db

HEADER = (
    "practice_patient_id,sex,birth_date,sample_date,sample_type,fasting,unit,"
    "total_cholesterol,hdl_cholesterol,ldl_cholesterol,ldl_method,triglycerides,"
    "lab_sample_id,lipoprotein_a"
)
PAGE_SIZE = 50
PRACTICES = (("DEMO-A", "ped_a"), ("DEMO-B", "ped_b"))
# The queue page's filters (QueueFilterForm) and the API's (TaskQuery), alike.
PAGE_FILTERS: tuple[dict[str, str], ...] = (
    {},
    {"kind": "repeat_lipids"},
    {"practice": "DEMO-A"},
    {"overdue": "on"},
    {"priority": "routine"},
    {"assignee": "none"},
    {"status": "all"},
    {"practice": "DEMO-B", "overdue": "on"},
)
API_FILTERS: tuple[dict[str, str], ...] = (
    {"status": "active"},
    {"kind": "repeat_lipids"},
    {"practice": "DEMO-A"},
    {"overdue": "true"},
    {"priority": "routine", "status": "active"},
    {"assignee": "none"},
    {},
    {"practice": "DEMO-B", "overdue": "true"},
)
# Mostly the first pages, as coordinators work; now and then deeper.
PAGES = (1, 1, 1, 1, 2, 2, 3, 5, 10, 20)


# --- The database -------------------------------------------------------------------


def point_django_at(name: str, work: Path) -> None:
    os.environ["DATABASE_URL"] = bench_db.database_url(name)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fh_registry.settings")
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "true"
    os.environ["DEBUG"] = "false"  # no query log, templates as in production
    os.environ["ALLOWED_HOSTS"] = "testserver,localhost,127.0.0.1"
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    os.environ["MEDIA_ROOT"] = str(work / "media")


# --- Lab files ----------------------------------------------------------------------


def child_sizes(rows: int) -> list[int]:
    """Samples per child: every fourth child has two (30 days apart)."""
    sizes: list[int] = []
    total = 0
    while total < rows:
        size = min(2 if len(sizes) % 4 == 3 else 1, rows - total)
        sizes.append(size)
        total += size
    return sizes


def generate(path: Path, *, rows: int, flagged: int, prefix: str, seed: int) -> int:
    """A lab file of `rows` rows in which `flagged` children (evenly spread) have
    LDL-C 4.8-6.0 mmol/L, positive under EAS 2026 (> 4.5) and below the HoFH
    and the direct-referral thresholds; the others 1.5-3.4 mmol/L. Half the
    rows in mg/dL. Samples lie in the last 150 days: about two thirds of the
    `repeat_lipids` tasks (due 42 days after the sample) are overdue today.
    Returns the number of children."""
    from django.utils import timezone  # noqa: PLC0415

    rng = random.Random(seed)
    today = timezone.localdate()
    sizes = child_sizes(rows)
    picked = {i * len(sizes) // flagged for i in range(flagged)} if flagged else set()
    line = 0
    with path.open("w", encoding="utf-8") as out:
        out.write(HEADER + "\n")
        for child, size in enumerate(sizes):
            birth = date(2012, 1, 1) + timedelta(days=(child * 37) % 3000)
            first = today - timedelta(days=rng.randint(31, 150))
            for visit in range(size):
                high = child in picked
                ldl = rng.uniform(4.8, 6.0) if high else rng.uniform(1.5, 3.4)
                out.write(
                    row(
                        rng,
                        patient=f"{prefix}{child:07d}",
                        sex="FM"[child % 2],
                        birth=birth,
                        sample=first + timedelta(days=30 * visit),
                        ldl=ldl,
                        sample_id=f"{prefix}S{line:08d}",
                        mg_dl=bool(line % 2),
                    )
                )
                line += 1
    return len(sizes)


def row(
    rng: random.Random,
    *,
    patient: str,
    sex: str,
    birth: date,
    sample: date,
    ldl: float,
    sample_id: str,
    mg_dl: bool,
) -> str:
    hdl, tg = rng.uniform(1.0, 1.8), rng.uniform(0.4, 2.0)
    tc = ldl + hdl + tg / 2.2 + rng.uniform(0.0, 0.2)
    if mg_dl:
        unit = "mg/dL"
        values = f"{tc * 38.67:.0f},{hdl * 38.67:.0f},{ldl * 38.67:.0f},direct,"
        values += f"{tg * 88.57:.0f}"
    else:
        unit = "mmol/L"
        values = f"{tc:.2f},{hdl:.2f},{ldl:.2f},direct,{tg:.2f}"
    return (
        f"{patient},{sex},{birth.isoformat()},{sample.isoformat()},capillary,no,"
        f"{unit},{values},{sample_id},\n"
    )


def import_stage(work: Path, *, stage: str, rows: int, tasks: int, seed: int) -> float:
    """Generate and import one stage (half the rows into each demo practice)
    through the import pipeline; returns the rows per second of the imports."""
    from fh_registry.models import Practice, User  # noqa: PLC0415
    from screening.imports.pipeline import run_import, start_import  # noqa: PLC0415

    seconds = 0.0
    for index, (code, importer) in enumerate(PRACTICES):
        part_rows = rows // 2 if index == 0 else rows - rows // 2
        part_tasks = tasks // 2 if index == 0 else tasks - tasks // 2
        path = work / f"{stage}-{code}.csv"
        generate(
            path,
            rows=part_rows,
            flagged=part_tasks,
            prefix=f"{stage}{code[-1]}",
            seed=seed + index,
        )
        started = time.perf_counter()
        with path.open("rb") as source:
            begun = start_import(
                acting_user=User.objects.get(username=importer),
                practice=Practice.objects.get(code=code),
                file_name=path.name,
                chunks=iter(lambda: source.read(1 << 20), b""),
                language="en",
                enqueue=False,
            )
        batch = run_import(begun.batch.pk)
        seconds += time.perf_counter() - started
        print(
            f"  import {path.name}: {batch.status}, read {batch.rows_read}, "
            f"imported {batch.rows_imported}, rejected {batch.rows_rejected}"
        )
        path.unlink()
    return rows / seconds


# --- Requests -----------------------------------------------------------------------


@dataclass
class Timing:
    millis: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)

    def p(self, q: int) -> float:
        cuts = statistics.quantiles(self.millis, n=100, method="inclusive")
        return cuts[q - 1]

    def usual_queries(self) -> int:
        """The query count of most requests: a signed-in session is written at
        most once a minute (SessionLimitsMiddleware), which adds to one request
        in a minute, whatever the table holds."""
        return Counter(self.queries).most_common(1)[0][0]

    def query_range(self) -> str:
        low, high = min(self.queries), max(self.queries)
        usual = self.usual_queries()
        return str(low) if low == high else f"{usual} ({low}-{high})"


def timed_get(client: Any, url: str, params: dict[str, Any], timing: Timing) -> Any:
    from django.db import connection, reset_queries  # noqa: PLC0415
    from django.test.utils import CaptureQueriesContext  # noqa: PLC0415

    # The query log is a deque of 9,000: counted on a full one, a request
    # would show none, so each starts from an empty log.
    reset_queries()
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        response = client.get(url, params)
        elapsed = time.perf_counter() - started
    if response.status_code != 200:
        sys.exit(f"GET {url} {params}: {response.status_code}")
    timing.millis.append(elapsed * 1000)
    timing.queries.append(len(captured.captured_queries))
    return response


def clients() -> tuple[Any, Any]:
    from django.test import Client  # noqa: PLC0415
    from rest_framework.authtoken.models import Token  # noqa: PLC0415
    from rest_framework.test import APIClient  # noqa: PLC0415

    from fh_registry.models import User  # noqa: PLC0415

    coord = User.objects.get(username="coord")
    page = Client(HTTP_ACCEPT_LANGUAGE="en")
    page.force_login(coord)
    token, _ = Token.objects.get_or_create(user=coord)
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return page, api


def measure_requests(requests: int, seed: int) -> dict[str, Any]:
    """p50/p95 and queries per request of the page, the API and /healthz, and
    the query counts of page 1 at page sizes 10, 50 and 100."""
    from django.test import Client, override_settings  # noqa: PLC0415

    rng = random.Random(seed)
    page, api = clients()
    plain = Client()
    timings = {"page": Timing(), "api": Timing(), "healthz": Timing()}
    for _ in range(10):  # warm the per-process caches (templates, translations)
        timed_get(page, "/followup/queue/", {}, Timing())
        timed_get(plain, "/healthz", {}, Timing())
    # The API answers 404 past its last page (the page shows the last one).
    api_pages = []
    for api_filter in API_FILTERS:
        first = timed_get(
            api, "/api/v1/tasks/", {**api_filter, "page_size": PAGE_SIZE}, Timing()
        )
        api_pages.append(math.ceil(first.json()["count"] / PAGE_SIZE))
    for n in range(requests):
        number = rng.choice(PAGES)
        page_params = {**PAGE_FILTERS[n % len(PAGE_FILTERS)], "page": number}
        api_params = {
            **API_FILTERS[n % len(API_FILTERS)],
            "page": max(1, min(number, api_pages[n % len(API_FILTERS)])),
            "page_size": PAGE_SIZE,
        }
        timed_get(page, "/followup/queue/", page_params, timings["page"])
        timed_get(api, "/api/v1/tasks/", api_params, timings["api"])
        timed_get(plain, "/healthz", {}, timings["healthz"])
    by_size: dict[str, dict[int, int]] = {"page": {}, "api": {}}
    for size in (10, 50, 100):
        with override_settings(FOLLOWUP_QUEUE_PAGE_SIZE=size):
            counted = Timing()
            timed_get(page, "/followup/queue/", {}, counted)
            by_size["page"][size] = counted.queries[0]
        counted = Timing()
        listed = timed_get(api, "/api/v1/tasks/", {"page_size": size}, counted)
        assert len(listed.json()["results"]) == size
        by_size["api"][size] = counted.queries[0]
    return {"timings": timings, "by_size": by_size}


# --- Claims -------------------------------------------------------------------------


@dataclass
class ClaimRun:
    attempts: int = 0
    won: list[int] = field(default_factory=list)
    conflicts: int = 0
    seconds: float = 0.0


def coordinators(count: int) -> list[Any]:
    from fh_registry.models import Role, User  # noqa: PLC0415

    return [
        User.objects.get_or_create(
            username=f"bench_coord_{n}",
            defaults={"role": Role.COORDINATOR, "covers_all_practices": True},
        )[0]
        for n in range(count)
    ]


def claim_loop(
    user: Any,
    own: list[int],
    shared: list[int],
    *,
    barrier: threading.Barrier,
    seconds: float,
) -> ClaimRun:
    """Claim alternately a task of one's own and one everybody races for, until
    the time is up or both lists are worked through."""
    from django.db import connection  # noqa: PLC0415

    from followup import services  # noqa: PLC0415
    from followup.models import Task  # noqa: PLC0415

    run = ClaimRun()
    queues = [iter(own), iter(shared)]
    try:
        barrier.wait(timeout=60)
        started = time.perf_counter()
        deadline = started + seconds
        turn = 0
        while queues and time.perf_counter() < deadline:
            source = queues[turn % len(queues)]
            turn += 1
            task_id = next(source, None)
            if task_id is None:
                queues.remove(source)
                continue
            run.attempts += 1
            try:
                services.claim(Task(pk=task_id), acting_user=user)
                run.won.append(task_id)
            except services.TaskConflictError:
                run.conflicts += 1
        run.seconds = time.perf_counter() - started
    finally:
        connection.close()
    return run


def measure_claims(count: int, seconds: float) -> dict[str, Any]:
    """`count` coordinators claiming at once; claims per second and double claims."""
    from django.db.models import Count  # noqa: PLC0415

    from followup.models import Task, TaskStatus  # noqa: PLC0415

    users = coordinators(count)
    open_ids = list(
        Task.objects.filter(status=TaskStatus.OPEN)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    shared = open_ids[: len(open_ids) // 5]  # everybody races for these
    rest = open_ids[len(open_ids) // 5 :]
    barrier = threading.Barrier(count)
    runs: list[ClaimRun] = [ClaimRun() for _ in users]

    def work(index: int) -> None:
        runs[index] = claim_loop(
            users[index],
            rest[index::count],
            shared,
            barrier=barrier,
            seconds=seconds,
        )

    threads = [threading.Thread(target=work, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    attempts = sum(r.attempts for r in runs)
    elapsed = max(r.seconds for r in runs)
    winners = Counter(task_id for r in runs for task_id in r.won)
    touched = list(winners)
    holders = {pk: user for user, r in zip(users, runs, strict=True) for pk in r.won}
    wrong_holder = sum(
        1
        for pk, assignee_id in Task.objects.filter(pk__in=touched).values_list(
            "pk", "assignee_id"
        )
        if holders[pk].pk != assignee_id
    )
    claimed_twice_in_history = (
        Task.history.filter(id__in=touched, status=TaskStatus.CLAIMED)
        .values("id")
        .annotate(n=Count("history_id"))
        .filter(n__gt=1)
        .count()
    )
    return {
        "attempts": attempts,
        "won": sum(winners.values()),
        "conflicts": sum(r.conflicts for r in runs),
        "seconds": elapsed,
        "per_second": attempts / elapsed if elapsed else 0.0,
        "won_per_second": sum(winners.values()) / elapsed if elapsed else 0.0,
        "double_claims": sum(1 for n in winners.values() if n > 1)
        + wrong_holder
        + claimed_twice_in_history,
    }


# --- Escalation ---------------------------------------------------------------------


def measure_escalation() -> dict[str, Any]:
    """Escalate on a day a year ahead, when every active task is overdue; then
    again (nothing may change)."""
    from django.utils import timezone  # noqa: PLC0415

    from followup import jobs  # noqa: PLC0415
    from followup.models import ACTIVE_STATUSES, Task  # noqa: PLC0415

    day = timezone.localdate() + timedelta(days=365)
    active = Task.objects.filter(status__in=ACTIVE_STATUSES).count()
    history = Task.history.count()
    started = time.perf_counter()
    escalated = jobs.escalate_overdue(today=day)
    first = time.perf_counter() - started
    history_added = Task.history.count() - history
    started = time.perf_counter()
    again = jobs.escalate_overdue(today=day)
    second = time.perf_counter() - started
    return {
        "active": active,
        "escalated": escalated,
        "seconds": first,
        "history_added": history_added,
        "again": again,
        "again_seconds": second,
    }


# --- Running it ---------------------------------------------------------------------


def counts() -> dict[str, int]:
    from followup.models import ACTIVE_STATUSES, Task, TaskKind  # noqa: PLC0415
    from screening.models import LabResult  # noqa: PLC0415

    return {
        "results": LabResult.objects.count(),
        "open_repeat_lipids": Task.objects.filter(
            kind=TaskKind.REPEAT_LIPIDS, status__in=ACTIVE_STATUSES
        ).count(),
        "tasks": Task.objects.count(),
    }


def analyze() -> None:
    """The steady state autovacuum gives a database some time after a bulk load:
    vacuumed, with fresh planner statistics. Measured right after the load, the
    planner still expects the tables as they were (a few rows), and autovacuum
    would run beside the measurements (slowing /healthz too, which flattered
    the ratios)."""
    from django.db import connection  # noqa: PLC0415

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def stage(
    work: Path, label: str, *, rows: int, tasks: int, args: argparse.Namespace
) -> dict[str, Any]:
    print(f"stage {label}: importing {rows:,} results for ~{tasks:,} tasks")
    rate = import_stage(work, stage=label, rows=rows, tasks=tasks, seed=args.seed)
    analyze()
    found = counts()
    print(
        f"  {found['results']:,} results, {found['open_repeat_lipids']:,} open "
        f"repeat_lipids tasks ({found['tasks']:,} tasks in all); "
        f"import {rate:,.0f} rows/s"
    )
    measured = measure_requests(args.requests, args.seed)
    return {"counts": found, **measured}


def run(args: argparse.Namespace, work: Path) -> None:
    import django  # noqa: PLC0415

    django.setup()
    from django.core.management import call_command  # noqa: PLC0415

    from fh_registry.demo import ensure_demo_cast  # noqa: PLC0415

    call_command("migrate", verbosity=0)
    ensure_demo_cast(password="bench")
    small_rows = round(args.results * args.small_tasks / args.tasks)
    small = stage(work, "s", rows=small_rows, tasks=args.small_tasks, args=args)
    full = stage(
        work,
        "f",
        rows=args.results - small_rows,
        tasks=args.tasks - args.small_tasks,
        args=args,
    )
    print(f"claims: {args.coordinators} coordinators for {args.claim_seconds} s")
    claims = measure_claims(args.coordinators, args.claim_seconds)
    print("escalation: every active task overdue")
    escalation = measure_escalation()
    report(small, full, claims, escalation)


def report(
    small: dict[str, Any],
    full: dict[str, Any],
    claims: dict[str, Any],
    escalation: dict[str, Any],
) -> None:
    s_n, f_n = small["counts"], full["counts"]
    print()
    print(
        f"{'figure':<44}{'small':>16}{'full':>16}   goal"
        f"\n{'':<44}{s_n['open_repeat_lipids']:>10,} tasks"
        f"{f_n['open_repeat_lipids']:>10,} tasks"
        f"\n{'':<44}{s_n['results']:>8,} results{f_n['results']:>8,} results"
    )
    lines: list[tuple[str, str, str, str, bool | None]] = []
    for name, url in (("page", "/followup/queue/"), ("api", "/api/v1/tasks/")):
        s_t, f_t = small["timings"][name], full["timings"][name]
        lines += [
            (f"{url} p50 ms", f"{s_t.p(50):.1f}", f"{f_t.p(50):.1f}", "", None),
            (
                f"{url} p95 ms",
                f"{s_t.p(95):.1f}",
                f"{f_t.p(95):.1f}",
                "< 50",
                max(s_t.p(95), f_t.p(95)) < 50,
            ),
        ]
        lines.append(query_line(f"{url} queries/request", s_t, f_t))
        s_size, f_size = small["by_size"][name], full["by_size"][name]
        both = set(s_size.values()) | set(f_size.values())
        lines.append(
            (
                f"{url} queries at size 10/50/100",
                "/".join(str(s_size[k]) for k in (10, 50, 100)),
                "/".join(str(f_size[k]) for k in (10, 50, 100)),
                "all equal",
                len(both) == 1,
            )
        )
        lines.append(
            (
                f"{url} p95 / healthz p95",
                f"{s_t.p(95) / small['timings']['healthz'].p(95):.1f}x",
                f"{f_t.p(95) / full['timings']['healthz'].p(95):.1f}x",
                "<= 15x (STYLE)",
                f_t.p(95) <= 15 * full["timings"]["healthz"].p(95),
            )
        )
    s_h, f_h = small["timings"]["healthz"], full["timings"]["healthz"]
    lines.append(("/healthz p95 ms", f"{s_h.p(95):.1f}", f"{f_h.p(95):.1f}", "", None))
    lines += claim_lines(claims) + escalation_lines(escalation)
    for label, left, right, goal, met in lines:
        verdict = "" if met is None else ("met" if met else "NOT met")
        print(f"{label:<44}{left:>16}{right:>16}   {goal} {verdict}")


def query_line(
    label: str, small: Timing, full: Timing
) -> tuple[str, str, str, str, bool]:
    same = small.usual_queries() == full.usual_queries()
    return (label, small.query_range(), full.query_range(), "same at both", same)


def claim_lines(claims: dict[str, Any]) -> list[Any]:
    return [
        (
            "claims: attempts / won / refused",
            "",
            f"{claims['attempts']}/{claims['won']}/{claims['conflicts']}",
            "",
            None,
        ),
        ("claims per second (attempts)", "", f"{claims['per_second']:.0f}", "", None),
        ("claims per second (won)", "", f"{claims['won_per_second']:.0f}", "", None),
        (
            "double claims",
            "",
            str(claims["double_claims"]),
            "0",
            claims["double_claims"] == 0,
        ),
    ]


def escalation_lines(escalation: dict[str, Any]) -> list[Any]:
    return [
        (
            "escalation: tasks escalated / active",
            "",
            f"{escalation['escalated']}/{escalation['active']}",
            "all",
            escalation["escalated"] == escalation["active"]
            and escalation["history_added"] == escalation["active"],
        ),
        (
            "escalation seconds",
            "",
            f"{escalation['seconds']:.2f}",
            "< 30",
            escalation["seconds"] < 30,
        ),
        (
            "escalation again: changed / seconds",
            "",
            f"{escalation['again']}/{escalation['again_seconds']:.2f}",
            "0 changed",
            escalation["again"] == 0,
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=int, default=1_000_000)
    parser.add_argument("--tasks", type=int, default=50_000)
    parser.add_argument("--small-tasks", type=int, default=10_000)
    parser.add_argument("--db", default="fh_bench_queue")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--coordinators", type=int, default=8)
    parser.add_argument("--claim-seconds", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args()
    if not 0 < args.small_tasks < args.tasks:
        parser.error("--small-tasks must lie between 0 and --tasks")
    if args.tasks * 1.25 > args.results:
        parser.error("--results must be at least 1.25 x --tasks (children)")
    params = bench_db.admin_params("the server is measured")
    bench_db.recreate_database(params, args.db)
    work = Path(tempfile.mkdtemp(prefix="fh-bench-queue-"))
    point_django_at(args.db, work)
    try:
        run(args, work)
    finally:
        from django.db import connections  # noqa: PLC0415

        connections.close_all()
        if not args.keep_db:
            bench_db.recreate_database(params, args.db, drop_only=True)


if __name__ == "__main__":
    main()
