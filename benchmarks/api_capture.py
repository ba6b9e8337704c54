"""Capture throughput: lab results POSTed through the API to gunicorn on PostgreSQL.

Measures, in one run and side by side on loopback:
  (a) POST /api/v1/lab-results/ (validation, history, assessment) at 8 clients,
  (b) GET /healthz through the same stack (the floor: one SELECT per request),
  (c) the child page with 20 results at 8 clients.
Budget (interactive paths on the ORM and templates): the p95 of (a) and of (c)
within 15x the p95 of (b) on the same server at 8 clients; the POST rate is
reported, not a goal.

The load comes from Python threads (http.client), as in every earlier run, and,
where Debian's `wrk` is installed, also from wrk (C, same connections, same
request bodies, other children): the client shares the 2 cores with the server,
and wrk leaves it about 0.8 ms more CPU per request.

    .venv/bin/python benchmarks/api_capture.py [--requests 2000] [--clients 8]
        [--wrk-seconds 10]

Needs PostgreSQL on 127.0.0.1:5432 (trust auth) and Redis on 127.0.0.1:6379 (the
session cache, as in production; BENCH_CACHE_URL overrides it); creates and drops
a throwaway database `fh_bench_api`. Every loop is bounded in count and time.
"""

from __future__ import annotations

import sys
from pathlib import Path

# The project, not this folder, heads sys.path: benchmarks/queue.py and
# benchmarks/statistics.py would stand in for the standard library's modules.
sys.path[0] = str(Path(__file__).resolve().parents[1])

import argparse
import http.client
import json
import os
import resource
import shutil
import statistics
import subprocess
import threading
import time
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from benchmarks import bench_db

ROOT = Path(__file__).resolve().parent.parent
# The server the docstring names, not DATABASE_URL's: server_env() fixes it too.
ADMIN: dict[str, Any] = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}
DB_NAME = "fh_bench_api"
PORT = 8765
TIME_CAP_S = 120.0
WRK_SCRIPTS = ROOT / "benchmarks" / "wrk"


def server_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{DB_NAME}",
        DJANGO_ENV="local",
        DEBUG="false",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        LOG_LEVEL="WARNING",
        CELERY_BROKER_URL="",
        # As in production: sessions read from Redis (written through to the DB).
        CACHE_URL=os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/14"),
    )
    return env


def prepare(children: int) -> dict[str, str]:
    """Migrate, create the cast, children, a token and a child with 20 results."""
    os.environ.update(server_env())
    os.environ["DJANGO_SETTINGS_MODULE"] = "fh_registry.settings"
    import django  # noqa: PLC0415 - settings come from the environment set above

    django.setup()
    from django.conf import settings  # noqa: PLC0415
    from django.contrib.auth import load_backend  # noqa: PLC0415
    from django.contrib.sessions.backends.db import SessionStore  # noqa: PLC0415
    from django.core.management import call_command  # noqa: PLC0415
    from rest_framework.authtoken.models import Token  # noqa: PLC0415

    from fh_registry.demo import ensure_demo_cast  # noqa: PLC0415
    from fh_registry.models import Practice  # noqa: PLC0415
    from screening import services  # noqa: PLC0415

    call_command("migrate", verbosity=0)
    ped_a = ensure_demo_cast(password="demo")["ped_a"]
    practice = Practice.objects.get(code="DEMO-A")
    pseudonyms = []
    for n in range(children):
        child = services.register_child(
            acting_user=ped_a,
            practice=practice,
            sex="F" if n % 2 else "M",
            birth_date=date(2015, 1, 1) + timedelta(days=n % 1500),
            practice_patient_number=f"BENCH-{n:05d}",
            identity=services.IdentityEntry(given_name="Kind", family_name=f"Nr{n}"),
            consent_given_on=date(2026, 1, 10),
        )
        pseudonyms.append(child.pseudonym)
    page_child = services.register_child(
        acting_user=ped_a,
        practice=practice,
        sex="F",
        birth_date=date(2014, 6, 1),
        practice_patient_number="BENCH-PAGE",
        identity=services.IdentityEntry(given_name="Seite", family_name="Zwanzig"),
        consent_given_on=date(2025, 1, 10),
    )
    for n in range(20):
        services.record_lab_result(
            acting_user=ped_a,
            person=page_child,
            entry=services.LabEntry(
                sample_date=date(2025, 2, 1) + timedelta(days=14 * n),
                sample_type="venous",
                unit="mmol/L",
                total_cholesterol=Decimal("6.9"),
                hdl_cholesterol=Decimal("1.3"),
                ldl_cholesterol=Decimal("4.9") + Decimal(n) / 100,
                triglycerides=Decimal("1.0"),
            ),
        )
    session = SessionStore()
    session["_auth_user_id"] = str(ped_a.pk)
    # The backend a password sign-in records: the first that can load a user
    # (django-axes, first in the list, only refuses locked-out attempts).
    session["_auth_user_backend"] = next(
        path
        for path in settings.AUTHENTICATION_BACKENDS
        if hasattr(load_backend(path), "get_user")
    )
    session["_auth_user_hash"] = ped_a.get_session_auth_hash()
    session.create()
    token, _ = Token.objects.get_or_create(user=ped_a)
    return {
        "token": token.key,
        "session": session.session_key or "",
        "page_child": page_child.pseudonym,
        "pseudonyms": json.dumps(pseudonyms),
    }


def start_gunicorn(workers: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "fh_registry.wsgi",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{PORT}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=server_env(),
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.2)  # the server is still starting; bounded by the deadline
    process.terminate()
    raise SystemExit("gunicorn did not start")


Request = Callable[[http.client.HTTPConnection, int], int]
Figures = dict[str, float]
CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _ticks(pid: str) -> int:
    """User + system CPU ticks of one process so far (Linux /proc), 0 if gone."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rpartition(")")[2].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])


def cpu_seconds(server: subprocess.Popen[bytes]) -> dict[str, float]:
    """CPU used so far by gunicorn (master and workers), PostgreSQL's processes
    and this client. The machine's speed drifts from run to run; CPU per request
    per process says where the time goes, whatever the drift."""
    if not Path("/proc/self/stat").exists():
        return {}
    workers = Path(f"/proc/{server.pid}/task/{server.pid}/children")
    gunicorn = [str(server.pid), *workers.read_text().split()]
    postgres = [
        entry.name
        for entry in Path("/proc").iterdir()
        if entry.name.isdigit() and _comm(entry) == "postgres"
    ]
    own = os.times()
    return {
        "gunicorn": sum(map(_ticks, gunicorn)) / CLOCK_TICKS,
        "PostgreSQL": sum(map(_ticks, postgres)) / CLOCK_TICKS,
        "client": own.user + own.system,
    }


def _comm(entry: Path) -> str:
    try:
        return (entry / "comm").read_text().strip()
    except OSError:
        return ""


def measured(
    server: subprocess.Popen[bytes], request: Request, *, total: int, clients: int
) -> dict[str, float]:
    """run_load, with each process group's CPU per request (ms) added."""
    before = cpu_seconds(server)
    figures = run_load(request, total=total, clients=clients)
    return figures | cpu_per_request(before, cpu_seconds(server), figures["requests"])


def cpu_per_request(
    before: dict[str, float], after: dict[str, float], requests: float
) -> dict[str, float]:
    """Each process group's CPU per request (ms) between two `cpu_seconds`."""
    return {
        f"cpu_{name}": (after[name] - seconds) * 1000 / requests
        for name, seconds in before.items()
    }


def run_load(request: Request, *, total: int, clients: int) -> dict[str, float]:
    """`total` requests over `clients` keep-alive connections; latencies in ms."""
    latencies: list[float] = []
    failures = 0
    lock = threading.Lock()
    per_client = total // clients
    deadline = time.monotonic() + TIME_CAP_S

    def client(index: int) -> None:
        nonlocal failures
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
        mine: list[float] = []
        bad = 0
        for n in range(per_client):
            if time.monotonic() > deadline:
                break
            start = time.perf_counter()
            status = request(conn, index * per_client + n)
            mine.append((time.perf_counter() - start) * 1000)
            bad += status >= 300
        with lock:
            latencies.extend(mine)
            failures += bad

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "requests": len(latencies),
        "failures": failures,
        "per_s": len(latencies) / elapsed,
        "p50_ms": statistics.median(latencies),
        "p95_ms": latencies[int(len(latencies) * 0.95) - 1],
    }


def run_wrk(
    server: subprocess.Popen[bytes],
    path: str,
    *,
    clients: int,
    seconds: int,
    script: str = "report.lua",
    headers: dict[str, str] | None = None,
    env: dict[str, str] | None = None,
) -> dict[str, float]:
    """The same figures as `measured`, the load from wrk (bounded by `seconds`)."""
    threads = min(clients, os.cpu_count() or 1)
    command = ["wrk", "-t", str(threads), "-c", str(clients), "-d", f"{seconds}s"]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    command += ["-s", str(WRK_SCRIPTS / script), f"http://127.0.0.1:{PORT}{path}"]
    before = cpu_seconds(server)
    own = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(
        command,
        env={
            **os.environ,
            **(env or {}),
            "THREADS": str(threads),
            "REPORT": str(WRK_SCRIPTS / "report.lua"),
        },
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        check=True,
    )
    after = cpu_seconds(server)
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    line = next(row for row in done.stdout.splitlines() if row.startswith("WRK "))
    found = json.loads(line[4:])
    count = found["requests"]
    figures: dict[str, float] = {
        "requests": count,
        "failures": found["non_2xx"] + found["socket_errors"],
        "per_s": count / (found["duration_us"] / 1e6),
        "p50_ms": found["p50_us"] / 1000,
        "p95_ms": found["p95_us"] / 1000,
    }
    figures |= cpu_per_request(before, after, count)
    # The client is wrk, a child process, not this one.
    client = (used.ru_utime + used.ru_stime) - (own.ru_utime + own.ru_stime)
    figures["cpu_client"] = client * 1000 / count
    return figures


def post_result(token: str, pseudonyms: list[str]) -> Request:
    def request(conn: http.client.HTTPConnection, n: int) -> int:
        body = json.dumps(
            {
                "person": pseudonyms[n % len(pseudonyms)],
                "sample_date": str(
                    date(2026, 2, 1) + timedelta(days=n // len(pseudonyms))
                ),
                "sample_type": "capillary",
                "unit": "mg/dL" if n % 2 else "mmol/L",
                "total_cholesterol": "190" if n % 2 else "4.9",
                "hdl_cholesterol": "55" if n % 2 else "1.4",
                "ldl_cholesterol": "120" if n % 2 else "3.1",
                "triglycerides": "80" if n % 2 else "0.9",
                "lab_sample_id": f"S-{n}",
            }
        )
        conn.request(
            "POST",
            "/api/v1/lab-results/",
            body=body,
            headers={
                "Authorization": f"Token {token}",
                "Content-Type": "application/json",
                "Idempotency-Key": f"bench-{n}",
            },
        )
        response = conn.getresponse()
        response.read()
        return response.status

    return request


def get(path: str, headers: dict[str, str]) -> Request:
    def request(conn: http.client.HTTPConnection, n: int) -> int:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        response.read()
        return response.status

    return request


def report(name: str, figures: dict[str, float]) -> None:
    print(
        f"{name:<34} {figures['requests']:>6.0f} req"
        f"  {figures['failures']:>4.0f} failed"
        f"  {figures['per_s']:>8.1f} req/s  p50 {figures['p50_ms']:>6.1f} ms"
        f"  p95 {figures['p95_ms']:>6.1f} ms"
    )
    cpu = [
        f"{key[4:]} {value:.2f} ms"
        for key, value in figures.items()
        if key.startswith("cpu_")
    ]
    if cpu:
        print(f"{'':<34} CPU per request: {', '.join(cpu)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=8)
    # As gunicorn.conf.py: one worker per core plus one.
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 1) + 1)
    parser.add_argument("--children", type=int, default=500)
    parser.add_argument("--wrk-seconds", type=int, default=10, help="0: no wrk runs")
    args = parser.parse_args()
    use_wrk = args.wrk_seconds > 0 and shutil.which("wrk") is not None

    bench_db.recreate_database(ADMIN, DB_NAME)
    wrk_capture: dict[str, float] | None = None
    wrk_page: dict[str, float] | None = None
    try:
        # Each load generator POSTs for its own children (equal series lengths).
        fixture = prepare(args.children * 2 if use_wrk else args.children)
        server = start_gunicorn(args.workers)
        try:
            everyone = json.loads(fixture["pseudonyms"])
            pseudonyms, others = everyone[: args.children], everyone[args.children :]
            token = fixture["token"]
            # Each worker imports the URL map on its first request: not measured.
            run_load(get("/healthz", {}), total=100, clients=args.clients)
            floor = measured(
                server, get("/healthz", {}), total=args.requests, clients=args.clients
            )
            capture = measured(
                server,
                post_result(token, pseudonyms),
                total=args.requests,
                clients=args.clients,
            )
            page_path = f"/screening/children/{fixture['page_child']}/"
            cookie = {"Cookie": f"sessionid={fixture['session']}"}
            # Each worker reads its first session before the measured run.
            warm = 3 * args.clients
            run_load(get(page_path, cookie), total=warm, clients=args.clients)
            page = measured(
                server,
                get(page_path, cookie),
                total=max(args.requests // 4, args.clients),
                clients=args.clients,
            )
            if use_wrk:
                wrk_capture = run_wrk(
                    server,
                    "/api/v1/lab-results/",
                    clients=args.clients,
                    seconds=args.wrk_seconds,
                    script="lab_results.lua",
                    env={"TOKEN": token, "PSEUDONYMS": ",".join(others)},
                )
                wrk_page = run_wrk(
                    server,
                    page_path,
                    clients=args.clients,
                    seconds=max(args.wrk_seconds // 2, 2),
                    headers=cookie,
                )
        finally:
            server.terminate()
            server.wait(timeout=30)
    finally:
        bench_db.recreate_database(ADMIN, DB_NAME, drop_only=True)

    print(
        f"gunicorn {args.workers} workers, {args.clients} clients, PostgreSQL, loopback"
    )
    report("(b) GET /healthz (floor)", floor)
    report("(a) POST /api/v1/lab-results/", capture)
    report("(c) child page, 20 results", page)
    verdict("Python clients", floor, capture, page)
    if wrk_capture is not None and wrk_page is not None:
        print(f"wrk, {args.clients} connections, same server")
        report("(a) POST /api/v1/lab-results/", wrk_capture)
        report("(c) child page, 20 results", wrk_page)
        verdict("wrk", floor, wrk_capture, wrk_page)
    elif args.wrk_seconds > 0:
        print("wrk not installed (apt-get install wrk): its runs are left out")


BUDGET_P95_RATIO = 15.0


def verdict(load: str, floor: Figures, capture: Figures, page: Figures) -> None:
    """The p95 of the capture and of the child page as multiples of the floor's."""
    for name, figures in (("capture POST", capture), ("child page", page)):
        ratio = figures["p95_ms"] / floor["p95_ms"]
        met = "met" if ratio <= BUDGET_P95_RATIO else "NOT met"
        print(
            f"{load}: {name} p95 {figures['p95_ms']:.1f} ms = {ratio:.1f}x the "
            f"floor's {floor['p95_ms']:.1f} ms; budget <= {BUDGET_P95_RATIO:.0f}x: "
            f"{met}"
        )
    print(f"{load}: capture rate {capture['per_s']:.0f}/s")


if __name__ == "__main__":
    main()
