"""Mixed traffic against the production stack, steady and through a Redis outage.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fh_registry \\
        .venv/bin/python benchmarks/load.py [--seconds 120] [--users 20] \\
            [--outage-seconds 30] [--think-ms 500] [--children 20000] \\
            [--db fh_bench_load] [--keep-db]

Smoke run: `--seconds 20 --outage-seconds 5`.

Starts on loopback the stack of README's production section: gunicorn as
gunicorn.conf.py sets it (sync workers, cores + 1) with DJANGO_ENV=production
(second factor required, secure cookies, SSL redirect, collected static files),
a Celery worker and one beat, a private redis-server on a free port (broker and
cache as README has them; an append-only file, as a broker's Redis keeps, so
that a restart loses no queued message), and PostgreSQL
at DATABASE_URL's server in a database of its own (`--db`, dropped and created
next to DATABASE_URL's, migrated and seeded with `seed_demo --children`, plus
`--consented` registered children per practice and the bench's accounts).
A server that exits on its own is started again, as systemd would, and reported.

The load: `--users` threads in this process (requests), each a person who waits
about `--think-ms` (0.5x-1.5x) after each request:
  - pediatricians (half): log in with password and a TOTP code from their own
    authenticator device (the real second factor), open the practice's children
    list, a child's page and the result form, save a result (CSRF); sessions
    last about a minute, then they log out and in again;
  - coordinators (a quarter): log in likewise, open the queue, list unassigned
    tasks through the API (session and CSRF), claim one on the page and complete
    it through the API; a 409 (another coordinator was quicker) is an answer of
    the registry, counted apart, not an error;
  - lab systems (the rest, at least one): POST results to /api/v1/lab-results/
    with their practice's lab-system token and an Idempotency-Key, and every
    `--import-every` seconds a lab file of 20 rows of new children to
    /api/v1/imports/ (imported by the worker, published through the outbox).
Each request sends X-Forwarded-Proto: https, as the TLS proxy in front of
gunicorn would.

Phase 1 runs `--seconds` steady; phase 2 as long again, with the private Redis
stopped (SIGTERM) for `--outage-seconds` in the middle, then started again.
Each prints requests/s and p50/p95/p99 per request kind and overall, and the
errors by kind: a status other than the expected one, a redirect elsewhere than
the expected page (to the login or code page: the person signs in again), or no
answer within 30 s; phase 2 also per window (before, during and after the
outage). After each phase it waits up to `--drain-seconds` until every outbox
message of the phase is done and every uploaded file imported, then counts the
lost results: results a client was told were saved (201 from the API, the
redirect after the form, 202 for a file's rows) that are not in the database.
Goals: 0 errors and p95 < 100 ms at 20 users; through the outage 0 lost
results, 0 errors on pages, the outbox done and every file imported once Redis
is back; no server exits.

Every loop is bounded in time. Everything started is stopped at the end, the
database dropped unless `--keep-db`; the logs of gunicorn, worker, beat and
Redis are kept (their folder printed) when anything failed.
"""

from __future__ import annotations

import sys
from pathlib import Path

# The project, not this folder, heads sys.path: benchmarks/queue.py and
# benchmarks/statistics.py would stand in for the standard library's modules.
sys.path[0] = str(Path(__file__).resolve().parents[1])

import argparse
import io
import itertools
import json
import os
import random
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import Any
from urllib.parse import quote, urlsplit

import requests

from benchmarks import bench_db

ROOT = Path(__file__).resolve().parents[1]
BIN = ROOT / ".venv" / "bin"
PASSWORD = "load-bench-Passwort-2026"
TIMEOUT_S = (5, 30)  # connect, read
SESSION_S = (45.0, 75.0)  # how long a person stays logged in
IMPORT_ROWS = 20
GOAL_P95_MS = 100.0
PHASES = (1, 2)
HEADER = (
    "practice_patient_id,sex,birth_date,sample_date,sample_type,fasting,unit,"
    "total_cholesterol,hdl_cholesterol,ldl_cholesterol,ldl_method,triglycerides,"
    "lab_sample_id,lipoprotein_a"
)


# --- The database -------------------------------------------------------------------


# --- The stack ----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Stack:
    """gunicorn, worker, beat and a private Redis, each logging to `work`."""

    work: Path
    db_url: str
    workers: int | None
    redis_port: int = field(default_factory=free_port)
    web_port: int = field(default_factory=free_port)
    secret: str = field(default_factory=lambda: secrets.token_urlsafe(48))
    running: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    commands: dict[str, list[str]] = field(default_factory=dict)
    restarts: list[str] = field(default_factory=list)
    lock: threading.RLock = field(default_factory=threading.RLock)
    done: threading.Event = field(default_factory=threading.Event)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    def env(self) -> dict[str, str]:
        redis = f"redis://127.0.0.1:{self.redis_port}"
        env = {
            name: value
            for name, value in os.environ.items()
            if name not in {"DEBUG", "MFA_REQUIRED", "SECURE_SSL_REDIRECT"}
        }
        env.update(
            DJANGO_ENV="production",
            DJANGO_SETTINGS_MODULE="fh_registry.settings",
            SECRET_KEY=self.secret,
            DATABASE_URL=self.db_url,
            CELERY_BROKER_URL=f"{redis}/0",
            CACHE_URL=f"{redis}/1",
            ALLOWED_HOSTS="127.0.0.1",
            MEDIA_ROOT=str(self.work / "media"),
            GUNICORN_BIND=f"127.0.0.1:{self.web_port}",
            LOG_LEVEL="WARNING",
        )
        if self.workers:
            env["WEB_CONCURRENCY"] = str(self.workers)
        return env

    def spawn(self, name: str, command: list[str]) -> None:
        with self.lock, (self.work / f"{name}.log").open("ab") as log:
            self.commands[name] = command
            self.running[name] = subprocess.Popen(
                command, cwd=ROOT, env=self.env(), stdout=log, stderr=log
            )

    def stop(self, name: str) -> None:
        with self.lock:
            process = self.running.pop(name, None)
            if process is None:
                return
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)

    def supervise(self) -> None:
        """Start again a server that exited on its own, as systemd's
        Restart=always would; each restart is reported."""
        while not self.done.wait(1.0):
            with self.lock:
                for name in ("gunicorn", "worker", "beat"):
                    process = self.running.get(name)
                    if process is None or process.poll() is None:
                        continue
                    self.restarts.append(
                        f"{time.strftime('%H:%M:%S')} {name} exited "
                        f"({process.returncode}) and was started again"
                    )
                    self.spawn(name, self.commands[name])

    def start_redis(self) -> None:
        (self.work / "redis").mkdir(exist_ok=True)
        self.spawn(
            "redis",
            [
                "redis-server",
                *("--port", str(self.redis_port), "--bind", "127.0.0.1"),
                *("--dir", str(self.work / "redis"), "--save", ""),
                *("--appendonly", "yes", "--appendfsync", "everysec"),
            ],
        )
        import redis  # noqa: PLC0415

        client = redis.Redis(port=self.redis_port, socket_connect_timeout=1)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                client.ping()
                return
            except redis.RedisError:
                time.sleep(0.1)  # starting; bounded by the deadline
        raise SystemExit("redis-server did not start")

    def start_services(self) -> None:
        self.start_redis()
        celery = [str(BIN / "celery"), "-A", "fh_registry"]
        self.spawn("worker", [*celery, "worker", "--loglevel", "INFO"])
        self.spawn(
            "beat",
            [
                *(*celery, "beat", "--loglevel", "INFO"),
                *("--schedule", str(self.work / "beat-schedule")),
                *("--pidfile", str(self.work / "beat.pid")),
            ],
        )
        self.spawn("gunicorn", [str(BIN / "gunicorn"), "fh_registry.wsgi"])
        self.wait_for_web()
        self.wait_for_log("worker", "ready.")
        threading.Thread(target=self.supervise, daemon=True).start()

    def wait_for_web(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                answer = requests.get(
                    f"{self.base}/healthz",
                    headers={"X-Forwarded-Proto": "https"},
                    timeout=2,
                )
                if answer.status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)  # starting; bounded by the deadline
        raise SystemExit("gunicorn did not start")

    def wait_for_log(self, name: str, text: str) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if text in (self.work / f"{name}.log").read_text(errors="replace"):
                return
            time.sleep(0.2)  # starting; bounded by the deadline
        raise SystemExit(f"{name} did not start")

    def cpu_seconds(self) -> dict[str, tuple[int, float]]:
        """Process id and CPU used so far of gunicorn and of the Celery worker,
        each with its child processes (Linux /proc): on a shared machine, the
        cost of a request whatever the waiting for a core added to its latency."""
        with self.lock:
            pids = {name: self.running[name].pid for name in ("gunicorn", "worker")}
        return {
            name: (pid, sum(map(process_ticks, family(pid))) / CLOCK_TICKS)
            for name, pid in pids.items()
        }

    def stop_all(self) -> None:
        self.done.set()
        for name in ("gunicorn", "beat", "worker", "redis"):
            self.stop(name)

    def logged_errors(self) -> tuple[dict[str, Counter[str]], list[dict[str, Any]]]:
        """Error lines per log and source (a JSON log's logger, else the start
        of the message), and the failed requests gunicorn logged (django.request:
        the traceback behind a 5xx)."""
        counts: dict[str, Counter[str]] = {}
        failed_requests: list[dict[str, Any]] = []
        for log in sorted(self.work.glob("*.log")):
            counted: Counter[str] = Counter()
            for line in log.read_text(errors="replace").splitlines():
                if not any(mark in line for mark in ERROR_MARKS):
                    continue
                entry = json_entry(line)
                source = entry.get("name") or line.split("] ", 1)[-1][:50]
                counted[str(source).split(":", 1)[0]] += 1
                if source == "django.request":
                    failed_requests.append(entry)
            if counted:
                counts[log.stem] = counted
        return counts, failed_requests


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def family(pid: int) -> list[int]:
    """A process and its children."""
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return [pid]
    return [pid, *map(int, children)]


def process_ticks(pid: int) -> int:
    """User + system CPU ticks of one process so far, 0 if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])


ERROR_MARKS = (
    '"levelname": "ERROR"',
    '"levelname": "CRITICAL"',
    " ERROR/",
    " CRITICAL/",
    "[ERROR]",
    "[CRITICAL]",
)


def json_entry(line: str) -> dict[str, Any]:
    """A line of the production profile's JSON log, or {}."""
    try:
        entry = json.loads(line)
    except ValueError:
        return {}
    return entry if isinstance(entry, dict) else {}


# --- The data -----------------------------------------------------------------------


@dataclass(frozen=True)
class Account:
    username: str
    practice: str  # a pediatrician's practice code; "" for a coordinator
    totp_key: bytes


@dataclass(frozen=True)
class Fixture:
    # Per phase: people of their own, so that no one logs in again within the
    # 30 s of a TOTP code used at the end of phase 1.
    pediatricians: dict[int, list[Account]]
    coordinators: dict[int, list[Account]]
    children: dict[str, list[str]]  # practice code: pseudonyms with consent
    lab_tokens: dict[str, str]  # practice code: the lab system's API token


def role_counts(users: int) -> tuple[int, int, int]:
    """Pediatricians, coordinators and lab systems among `users`."""
    coordinators = max(1, users // 4)
    labs = max(1, users // 4)
    return max(1, users - coordinators - labs), coordinators, labs


def prepare(args: argparse.Namespace, db_url: str, work: Path) -> Fixture:
    """Migrate and seed in this process (the local profile: production refuses
    demo data); the static files are collected for the production server."""
    os.environ.update(
        DJANGO_ENV="local",
        DJANGO_SETTINGS_MODULE="fh_registry.settings",
        DATABASE_URL=db_url,
        CELERY_BROKER_URL="",
        CACHE_URL="locmemcache://",
        DEBUG="false",
        LOG_LEVEL="WARNING",
        MEDIA_ROOT=str(work / "seed-media"),
    )
    import django  # noqa: PLC0415 - settings come from the environment set above

    django.setup()
    from django.core.management import call_command  # noqa: PLC0415

    call_command("migrate", verbosity=0)
    call_command("seed_demo", children=args.children, stdout=io.StringIO())
    register_children(args.consented)
    pediatricians, coordinators, _labs = role_counts(args.users)
    return Fixture(
        pediatricians={
            phase: [
                bench_account(
                    f"load_ped_{phase}_{n}", practice=("DEMO-A", "DEMO-B")[n % 2]
                )
                for n in range(pediatricians)
            ]
            for phase in PHASES
        },
        coordinators={
            phase: [
                bench_account(f"load_coord_{phase}_{n}") for n in range(coordinators)
            ]
            for phase in PHASES
        },
        children=consented_children(),
        lab_tokens={code: lab_token(code) for code in ("DEMO-A", "DEMO-B")},
    )


def register_children(per_practice: int) -> None:
    """More children with consent, registered as by hand in each practice."""
    from fh_registry.models import Practice, User  # noqa: PLC0415
    from screening import services  # noqa: PLC0415

    for code, username in (("DEMO-A", "ped_a"), ("DEMO-B", "ped_b")):
        practice = Practice.objects.get(code=code)
        pediatrician = User.objects.get(username=username)
        for n in range(per_practice):
            services.register_child(
                acting_user=pediatrician,
                practice=practice,
                sex="FM"[n % 2],
                birth_date=date(2012, 1, 1) + timedelta(days=(n * 11) % 3600),
                practice_patient_number=f"LOAD-{n:05d}",
                identity=services.IdentityEntry(
                    given_name="Kim", family_name=f"Last{n}"
                ),
                consent_given_on=date(2025, 1, 10),
            )


def bench_account(username: str, *, practice: str = "") -> Account:
    """A pediatrician of `practice`, or a coordinator of every practice, with a
    confirmed TOTP device whose key the client holds (as the person's app)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: PLC0415

    from fh_registry.models import Membership, Practice, Role, User  # noqa: PLC0415

    role = Role.PEDIATRICIAN if practice else Role.COORDINATOR
    user = User(username=username, role=role, covers_all_practices=not practice)
    user.set_password(PASSWORD)
    user.save()
    if practice:
        Membership.objects.create(
            user=user, practice=Practice.objects.get(code=practice), role=role
        )
    device = TOTPDevice.objects.create(
        user=user, name="authenticator app", confirmed=True
    )
    return Account(username, practice, device.bin_key)


def lab_token(practice: str) -> str:
    """The key of a lab-system token for the practice, issued as an
    administrator issues one (`manage.py lab_token create`)."""
    from fh_registry import services  # noqa: PLC0415
    from fh_registry.models import Practice, User  # noqa: PLC0415

    issued = services.issue_lab_token(
        acting_user=User.objects.get(username="admin"),
        practice=Practice.objects.get(code=practice),
        name=f"Load test lab {practice}",
    )
    return issued.key


def consented_children() -> dict[str, list[str]]:
    """Per practice, the children whose screening consent is in force today."""
    from django.utils import timezone  # noqa: PLC0415

    from screening.models import Consent, ConsentScope  # noqa: PLC0415

    consents = Consent.objects.filter(scope=ConsentScope.SCREENING).in_force(
        on=timezone.localdate()
    )
    found: dict[str, list[str]] = defaultdict(list)
    for pseudonym, practice in consents.values_list(
        "person__pseudonym", "person__practice__code"
    ):
        found[practice].append(pseudonym)
    return dict(found)


def collect_static(stack: Stack) -> None:
    subprocess.run(
        [str(BIN / "python"), "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=stack.env(),
        check=True,
        timeout=300,
    )


# --- The clients --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Sample:
    kind: str
    at: float  # seconds since the phase began
    millis: float
    status: int  # 0: no answer
    ok: bool
    what: str  # method and path, for the report of errors


class TimeUpError(Exception):
    """The phase is over: the person stops."""


class SignedOutError(Exception):
    """A page sent the person to the login or code page: they sign in again."""


SIGN_IN_PAGES = ("/accounts/login/", "/accounts/mfa/")


@dataclass
class Recorder:
    """What every client did in one phase (thread-safe)."""

    seconds: float
    think_s: float
    began: float = field(default_factory=time.monotonic)
    samples: list[Sample] = field(default_factory=list)
    promised: set[str] = field(default_factory=set)  # lab sample ids told saved
    batches: list[int] = field(default_factory=list)  # files answered 202
    in_files: set[str] = field(default_factory=set)  # the sample ids of those
    conflicts: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def deadline(self) -> float:
        return self.began + self.seconds

    def add(self, sample: Sample) -> None:
        with self.lock:
            self.samples.append(sample)

    def promise(self, sample_ids: list[str], batch: int | None = None) -> None:
        with self.lock:
            self.promised.update(sample_ids)
            if batch is not None:
                self.batches.append(batch)
                self.in_files.update(sample_ids)

    def conflict(self) -> None:
        with self.lock:
            self.conflicts += 1


class Browser:
    """One person's connection: cookies, CSRF, redirects followed by hand so
    that each request is timed as its own kind."""

    def __init__(self, base: str, recorder: Recorder, rng: random.Random) -> None:
        self.base = base
        self.recorder = recorder
        self.rng = rng
        self.http = requests.Session()
        self.http.headers.update(
            {"X-Forwarded-Proto": "https", "Accept-Language": "en"}
        )
        self.origin = "https://" + base.split("://", 1)[1]

    @property
    def csrf(self) -> str:
        return str(self.http.cookies.get("csrftoken", ""))

    def call(
        self,
        kind: str,
        method: str,
        path: str,
        *,
        expect: tuple[int, ...] = (200,),
        to: str = "",
        **options: Any,
    ) -> requests.Response | None:
        """One request, timed; `to`: the start of the redirect's target path."""
        if time.monotonic() >= self.recorder.deadline:
            raise TimeUpError
        headers = options.pop("headers", {})
        if method == "POST":
            headers["Origin"] = self.origin
        started = time.monotonic()
        try:
            answer = self.http.request(
                method,
                self.base + path,
                headers=headers,
                allow_redirects=False,
                timeout=TIMEOUT_S,
                **options,
            )
            status = answer.status_code
            # TLS ends at the proxy, which this client stands behind: the
            # registry's Secure cookies travel back on the plain loopback hop.
            for cookie in self.http.cookies:
                cookie.secure = False
        except requests.RequestException:
            answer, status = None, 0
        ok = status in expect and (
            not to or target(answer).startswith(to)  # e.g. not to the login page
        )
        self.recorder.add(
            Sample(
                kind=kind,
                at=started - self.recorder.began,
                millis=(time.monotonic() - started) * 1000,
                status=status,
                ok=ok,
                what=f"{method} {path.split('?', maxsplit=1)[0]}"
                + (f" to {target(answer)}" if 300 <= status < 400 else ""),
            )
        )
        if not ok and target(answer).startswith(SIGN_IN_PAGES):
            raise SignedOutError
        return answer if ok else None

    def follow(self, kind: str, answer: requests.Response | None) -> Any:
        """GET where a redirect points, as the browser does."""
        if answer is None or not answer.is_redirect:
            return None
        return self.call(kind, "GET", target(answer))

    def form(self, data: dict[str, str]) -> dict[str, str]:
        return {**data, "csrfmiddlewaretoken": self.csrf}

    def think(self) -> None:
        pause = self.rng.uniform(0.5, 1.5) * self.recorder.think_s
        left = self.recorder.deadline - time.monotonic()
        if left <= 0:
            raise TimeUpError
        time.sleep(min(pause, left))  # the person reads; bounded by the phase


def target(answer: requests.Response | None) -> str:
    """The path (and query) a redirect points at."""
    if answer is None:
        return ""
    parts = urlsplit(answer.headers.get("Location", ""))
    return parts.path + (f"?{parts.query}" if parts.query else "")


# A TOTP code is accepted once (django-otp refuses a time step already used):
# the last step each account logged in with.
USED_STEPS: dict[str, int] = {}


def totp_code(account: Account, deadline: float) -> str:
    from django_otp.oath import TOTP  # noqa: PLC0415

    totp = TOTP(account.totp_key)
    while totp.t() <= USED_STEPS.get(account.username, -1):
        if time.monotonic() >= deadline:
            raise TimeUpError
        time.sleep(0.5)  # the next code comes within 30 s; bounded by the phase
        totp = TOTP(account.totp_key)
    USED_STEPS[account.username] = totp.t()
    return f"{totp.token():06d}"


def log_in(browser: Browser, account: Account, start: str, start_kind: str) -> bool:
    """Password, then the code page the registry sends an unverified session to,
    then the person's start page."""
    page = browser.call(
        "page: login form", "GET", f"/accounts/login/?next={quote(start)}"
    )
    if page is None:
        return False
    signed_in = browser.call(
        "page: login (password)",
        "POST",
        "/accounts/login/",
        data=browser.form(
            {"username": account.username, "password": PASSWORD, "next": start}
        ),
        expect=(302,),
        to=start,
    )
    asked = (
        browser.call(start_kind, "GET", start, expect=(302,), to="/accounts/mfa/")
        if signed_in is not None
        else None
    )
    if browser.follow("page: code form", asked) is None:
        return False
    verified = browser.call(
        "page: login (code)",
        "POST",
        "/accounts/mfa/",
        data=browser.form(
            {"code": totp_code(account, browser.recorder.deadline), "next": start}
        ),
        expect=(302,),
        to=start,
    )
    return browser.follow(start_kind, verified) is not None


def log_out(browser: Browser) -> None:
    browser.call(
        "page: logout",
        "POST",
        "/accounts/logout/",
        data=browser.form({}),
        expect=(302,),
        to="/accounts/login/",
    )
    browser.http.cookies.clear()


def sessions(
    browser: Browser, account: Account, start: str, kind: str, work: Callable[[], None]
) -> None:
    """Log in, work for about a minute, log out; again until the phase ends. A
    person sent to the login or code page signs in again, as people do."""
    while True:
        try:
            if not log_in(browser, account, start, kind):
                browser.http.cookies.clear()
                browser.think()
                continue
            until = time.monotonic() + browser.rng.uniform(*SESSION_S)
            while time.monotonic() < until:
                work()
        except SignedOutError:  # counted once, as that request's error
            browser.http.cookies.clear()
            continue
        log_out(browser)


LIST_PAGES = (1, 1, 1, 2, 3)


def pediatrician(
    browser: Browser, account: Account, children: list[str], ids: Iterator[str]
) -> None:
    def work() -> None:
        page = browser.rng.choice(LIST_PAGES)
        browser.call("page: children list", "GET", f"/screening/children/?page={page}")
        browser.think()
        child = f"/screening/children/{browser.rng.choice(children)}/"
        browser.call("page: child", "GET", child)
        browser.think()
        browser.call("page: result form", "GET", f"{child}results/new/")
        browser.think()
        sample_id = next(ids)
        saved = browser.call(
            "page: result save",
            "POST",
            f"{child}results/new/",
            data=browser.form(form_values(browser.rng, sample_id)),
            expect=(302,),
            to=child,
        )
        if saved is not None:
            browser.recorder.promise([sample_id])
            browser.follow("page: child", saved)
        browser.think()

    sessions(browser, account, "/screening/children/", "page: children list", work)


def coordinator(browser: Browser, account: Account) -> None:
    queue = "/followup/queue/?assignee=none"

    def work() -> None:
        browser.call("page: queue", "GET", queue)
        browser.think()
        listed = browser.call(
            "api: task list",
            "GET",
            "/api/v1/tasks/?assignee=none&status=open&page_size=20",
        )
        tasks = listed.json()["results"] if listed is not None else []
        browser.think()
        if not tasks:
            return
        task = browser.rng.choice(tasks)["id"]
        claimed = browser.call(
            "page: claim",
            "POST",
            f"/followup/tasks/{task}/claim/",
            data=browser.form({"next": queue}),
            expect=(302,),
            to="/followup/queue/",
        )
        browser.follow("page: queue", claimed)
        browser.think()
        done = browser.call(
            "api: task complete",
            "POST",
            f"/api/v1/tasks/{task}/complete/",
            json={"note": "load test"},
            headers={"X-CSRFToken": browser.csrf},
            expect=(200, 409),
        )
        if done is not None and done.status_code == 409:
            browser.recorder.conflict()
        browser.think()

    sessions(browser, account, queue, "page: queue", work)


def lab_system(
    browser: Browser,
    token: str,
    children: list[str],
    ids: Iterator[str],
    *,
    practice: str,
    import_every: float,
) -> None:
    browser.http.headers["Authorization"] = f"Token {token}"
    next_file = time.monotonic() + browser.rng.uniform(0, import_every or 1)
    while True:
        if import_every and time.monotonic() >= next_file:
            next_file += import_every
            upload(browser, practice, ids)
            browser.think()
        sample_id = next(ids)
        body = api_values(browser.rng, sample_id, browser.rng.choice(children))
        saved = browser.call(
            "api: result capture",
            "POST",
            "/api/v1/lab-results/",
            json=body,
            headers={"Idempotency-Key": f"key-{sample_id}"},
            expect=(201,),
        )
        if saved is not None:
            browser.recorder.promise([sample_id])
        browser.think()


def upload(browser: Browser, practice: str, ids: Iterator[str]) -> None:
    """A lab file of new children; its rows count as saved once answered 202."""
    sample_ids = [next(ids) for _ in range(IMPORT_ROWS)]
    content = lab_file(browser.rng, sample_ids)
    sent = browser.call(
        "api: file upload",
        "POST",
        "/api/v1/imports/",
        files={"file": (f"{sample_ids[0]}.csv", content, "text/csv")},
        data={"practice": practice},
        expect=(202,),
    )
    if sent is not None:
        browser.recorder.promise(sample_ids, batch=int(sent.json()["id"]))


def lipids(rng: random.Random) -> tuple[str, str, str, str]:
    """TC, HDL-C, LDL-C, TG in mmol/L; one in ten above the EAS 2026 cut-off."""
    if rng.random() < 0.1:
        return "7.4", "1.3", "5.6", "1.1"
    ldl = rng.uniform(1.6, 3.2)
    return f"{ldl + 1.9:.1f}", "1.4", f"{ldl:.1f}", "0.9"


def sample_day(rng: random.Random) -> str:
    from django.utils import timezone  # noqa: PLC0415

    return (timezone.localdate() - timedelta(days=rng.randint(1, 60))).isoformat()


def form_values(rng: random.Random, sample_id: str) -> dict[str, str]:
    tc, hdl, ldl, tg = lipids(rng)
    return {
        "sample_date": sample_day(rng),
        "sample_type": "capillary",
        "fasting": "unknown",
        "unit": "mmol/L",
        "total_cholesterol": tc,
        "hdl_cholesterol": hdl,
        "ldl_cholesterol": ldl,
        "ldl_method": "direct",
        "triglycerides": tg,
        "lab_sample_id": sample_id,
    }


def api_values(rng: random.Random, sample_id: str, person: str) -> dict[str, str]:
    tc, hdl, ldl, tg = lipids(rng)
    return {
        "person": person,
        "sample_date": sample_day(rng),
        "sample_type": "venous",
        "unit": "mmol/L",
        "total_cholesterol": tc,
        "hdl_cholesterol": hdl,
        "ldl_cholesterol": ldl,
        "triglycerides": tg,
        "lab_sample_id": sample_id,
    }


def lab_file(rng: random.Random, sample_ids: list[str]) -> bytes:
    lines = [HEADER]
    for n, sample_id in enumerate(sample_ids):
        tc, hdl, ldl, tg = lipids(rng)
        birth = date(2013, 1, 1) + timedelta(days=rng.randint(0, 3000))
        lines.append(
            f"P{sample_id},{'FM'[n % 2]},{birth.isoformat()},{sample_day(rng)},"
            f"capillary,no,mmol/L,{tc},{hdl},{ldl},direct,{tg},{sample_id},"
        )
    return ("\n".join(lines) + "\n").encode()


# --- A phase ------------------------------------------------------------------------


@dataclass
class Phase:
    name: str
    recorder: Recorder
    # The phase's start and end, and Redis stopped and started again in between.
    marks: list[Mark]
    drained: dict[str, Any]
    lost: list[str]
    client_failures: list[str]
    cpu_seconds: dict[str, float | None]  # of gunicorn and the worker in the phase
    restarts: list[str]  # servers that exited on their own and were started again


def crowd(
    args: argparse.Namespace,
    fixture: Fixture,
    base: str,
    recorder: Recorder,
    phase: int,
) -> list[Callable[[], None]]:
    """Everybody's work in this phase, as callables that run until TimeUpError."""
    _peds, _coords, labs = role_counts(args.users)
    people: list[Callable[[], None]] = []

    def browser(seed: int) -> Browser:
        return Browser(base, recorder, random.Random(args.seed * 1000 + seed))

    def ids(prefix: str) -> Iterator[str]:
        return (f"{prefix}{phase}-{n:06d}" for n in itertools.count())

    for n, account in enumerate(fixture.pediatricians[phase]):
        people.append(
            partial(
                pediatrician,
                browser(n),
                account,
                fixture.children[account.practice],
                ids(f"F{n}-"),
            )
        )
    for n, account in enumerate(fixture.coordinators[phase]):
        people.append(partial(coordinator, browser(100 + n), account))
    for n in range(labs):
        practice = ("DEMO-A", "DEMO-B")[n % 2]
        people.append(
            partial(
                lab_system,
                browser(200 + n),
                fixture.lab_tokens[practice],
                fixture.children[practice],
                ids(f"L{n}-"),
                practice=practice,
                import_every=args.import_every,
            )
        )
    return people


def run_person(
    person: Callable[[], None], delay: float, recorder: Recorder, failures: list[str]
) -> None:
    try:
        time.sleep(min(delay, recorder.seconds))  # a staggered start
        person()
    except TimeUpError:
        pass
    except Exception as error:  # a client fault: reported, never hidden
        failures.append(f"{type(error).__name__}: {error}")


@dataclass(frozen=True)
class Mark:
    """A moment of a phase: when, gunicorn's process id and CPU so far, and the
    machine's load average (other work on a shared machine shows there)."""

    at: float  # seconds into the phase
    gunicorn: tuple[int, float]
    load: float


def mark(stack: Stack, recorder: Recorder) -> Mark:
    return Mark(
        at=time.monotonic() - recorder.began,
        gunicorn=stack.cpu_seconds()["gunicorn"],
        load=os.getloadavg()[0],
    )


def outage(stack: Stack, recorder: Recorder, seconds: float) -> tuple[Mark, Mark]:
    """Stop the private Redis in the middle of the phase, start it again."""
    stop_at = recorder.began + (recorder.seconds - seconds) / 2
    time.sleep(max(0.0, stop_at - time.monotonic()))
    stopped = mark(stack, recorder)
    stack.stop("redis")
    time.sleep(max(0.0, recorder.began + stopped.at + seconds - time.monotonic()))
    restarted = mark(stack, recorder)
    stack.start_redis()
    return stopped, restarted


def run_phase(
    name: str,
    phase: int,
    args: argparse.Namespace,
    fixture: Fixture,
    stack: Stack,
    *,
    with_outage: bool,
) -> Phase:
    print(f"phase {phase} ({name}): {args.seconds:.0f} s, load {load_average()}")
    recorder = Recorder(seconds=args.seconds, think_s=args.think_ms / 1000)
    began = datetime.now(tz=UTC)
    failures: list[str] = []
    people = crowd(args, fixture, stack.base, recorder, phase)
    ramp = min(10.0, args.seconds / 6)
    threads = [
        threading.Thread(
            target=run_person,
            args=(person, n * ramp / len(people), recorder, failures),
            daemon=True,
        )
        for n, person in enumerate(people)
    ]
    cpu_before = stack.cpu_seconds()
    restarts_before = len(stack.restarts)
    marks = [mark(stack, recorder)]
    for thread in threads:
        thread.start()
    if with_outage:
        marks += outage(stack, recorder, args.outage_seconds)
    for thread in threads:
        thread.join(timeout=max(1.0, recorder.deadline + 60 - time.monotonic()))
    marks.append(mark(stack, recorder))
    cpu = {  # None: the process was started again in the phase
        name: used - cpu_before[name][1] if pid == cpu_before[name][0] else None
        for name, (pid, used) in stack.cpu_seconds().items()
    }
    if any(thread.is_alive() for thread in threads):
        failures.append("a client was still running 60 s after the phase ended")
    drained = drain(recorder.batches, args.drain_seconds, began)
    lost = lost_results(recorder.promised)
    restarts = stack.restarts[restarts_before:]
    return Phase(name, recorder, marks, drained, lost, failures, cpu, restarts)


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def drain(batches: list[int], seconds: float, since: datetime) -> dict[str, Any]:
    """Wait (bounded) until every outbox message of the phase is done and every
    file accepted in it imported."""
    from fh_registry.models import OutboxMessage  # noqa: PLC0415
    from screening.models import ImportBatch, ImportStatus  # noqa: PLC0415

    messages = OutboxMessage.objects.filter(created_at__gte=since)
    started = time.monotonic()
    while True:
        open_messages = messages.filter(done_at__isnull=True).count()
        statuses = Counter(
            ImportBatch.objects.filter(pk__in=batches).values_list("status", flat=True)
        )
        unfinished = statuses[ImportStatus.PENDING] + statuses[ImportStatus.RUNNING]
        waited = time.monotonic() - started
        if (open_messages == 0 and unfinished == 0) or waited > seconds:
            break
        time.sleep(1)  # the beat relays every OUTBOX_RELAY_SECONDS; bounded
    return {
        "seconds": waited,
        "messages": messages.count(),
        "open_messages": open_messages,
        # Messages whose publish failed (Redis down) and that the relay
        # published later.
        "publish_failures": messages.exclude(last_error="").count(),
        "files": len(batches),
        "imported": statuses[ImportStatus.COMPLETED],
        "statuses": dict(statuses),
        "done": open_messages == 0 and statuses[ImportStatus.COMPLETED] == len(batches),
    }


def lost_results(promised: set[str]) -> list[str]:
    """Lab sample ids a client was told were saved that are not stored."""
    from screening.models import LabResult  # noqa: PLC0415

    found = set(
        LabResult.objects.filter(lab_sample_id__in=list(promised)).values_list(
            "lab_sample_id", flat=True
        )
    )
    return sorted(promised - found)


def warm_up(stack: Stack) -> None:
    """Each worker imports its views on a first request: not measured."""
    headers = {"X-Forwarded-Proto": "https"}
    for _ in range(10):
        for path in ("/healthz", "/accounts/login/"):
            requests.get(stack.base + path, headers=headers, timeout=TIMEOUT_S)


# --- The report ---------------------------------------------------------------------


def percentile(values: list[float], q: int) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def is_page(sample: Sample) -> bool:
    return sample.kind.startswith("page:")


def figures_line(label: str, samples: list[Sample], seconds: float) -> str:
    millis = [sample.millis for sample in samples]
    errors = sum(not sample.ok for sample in samples)
    return (
        f"  {label:<26}{len(samples):>8}{len(samples) / seconds:>8.1f}"
        f"{percentile(millis, 50):>8.1f}{percentile(millis, 95):>8.1f}"
        f"{percentile(millis, 99):>8.1f}{errors:>8}"
    )


def report_phase(phase: Phase) -> None:
    recorder = phase.recorder
    samples = recorder.samples
    print(f"\nphase: {phase.name}")
    print(
        f"  {'request':<26}{'count':>8}{'req/s':>8}{'p50 ms':>8}{'p95 ms':>8}"
        f"{'p99 ms':>8}{'errors':>8}"
    )
    by_kind: dict[str, list[Sample]] = defaultdict(list)
    for sample in samples:
        by_kind[sample.kind].append(sample)
    for kind in sorted(by_kind):
        print(figures_line(kind, by_kind[kind], recorder.seconds))
    print(figures_line("overall", samples, recorder.seconds))
    if len(phase.marks) == 4:
        report_windows(samples, phase.marks)
    errors = Counter((s.kind, s.status, s.what) for s in samples if not s.ok)
    for (kind, status, what), count in errors.most_common(20):
        print(f"  error: {count} x {kind}: {what} -> {status or 'no answer'}")
    drained = phase.drained
    print(
        f"  task conflicts (409, not errors): {recorder.conflicts}; files accepted "
        f"{drained['files']}, imported {drained['imported']} {drained['statuses']}; "
        f"outbox messages {drained['messages']}, not done "
        f"{drained['open_messages']} after {drained['seconds']:.0f} s (publish "
        f"failed and relayed later: {drained['publish_failures']})"
    )
    in_files = recorder.in_files.intersection(phase.lost)
    print(
        f"  results told saved: {len(recorder.promised)}, not in the database: "
        f"{len(phase.lost)} (of them in files not imported yet: {len(in_files)}) "
        f"{phase.lost[:5]}"
    )
    for restart in phase.restarts:
        print(f"  {restart}")
    cpu = ", ".join(
        f"{name} {seconds * 1000 / max(len(samples), 1):.1f} ms"
        if seconds is not None
        else f"{name} (started again: not measured)"
        for name, seconds in phase.cpu_seconds.items()
    )
    print(f"  CPU per request: {cpu}")
    for failure in phase.client_failures[:10]:
        print(f"  client fault: {failure}")


def report_windows(samples: list[Sample], marks: list[Mark]) -> None:
    """Before, during and after the outage, with gunicorn's CPU per request
    and the load average at the window's end: whether a slower window cost the
    registry more or waited for cores that other work took."""
    print(
        f"  Redis stopped at {marks[1].at:.1f} s, started again at {marks[2].at:.1f} s:"
    )
    labels = ("before the outage", "Redis stopped", "after the outage")
    for label, start, end in zip(labels, marks[:-1], marks[1:], strict=True):
        inside = [s for s in samples if start.at <= s.at < end.at]
        page_errors = sum(not s.ok for s in inside if is_page(s))
        cpu = "-"
        if inside and start.gunicorn[0] == end.gunicorn[0]:
            used = end.gunicorn[1] - start.gunicorn[1]
            cpu = f"{used * 1000 / len(inside):.1f} ms"
        print(
            figures_line(label, inside, max(end.at - start.at, 1e-9))
            + f"  ({page_errors} on pages; gunicorn CPU/request {cpu}, "
            f"load {end.load:.1f})"
        )


def verdicts(phases: list[Phase]) -> bool:
    """The goals per phase; True if every one is met."""
    rows: list[tuple[str, list[str], list[bool]]] = []

    def row(label: str, values: list[Any], met: list[bool]) -> None:
        rows.append((label, [str(value) for value in values], met))

    samples = [phase.recorder.samples for phase in phases]
    errors = [sum(not s.ok for s in each) for each in samples]
    row("errors, all requests: 0", errors, [n == 0 for n in errors])
    p95 = [percentile([s.millis for s in each], 95) for each in samples]
    row(
        f"p95 overall: < {GOAL_P95_MS:.0f} ms",
        [f"{value:.1f}" for value in p95],
        [value < GOAL_P95_MS for value in p95],
    )
    pages = [sum(not s.ok for s in each if is_page(s)) for each in samples]
    row("errors on pages: 0", pages, [n == 0 for n in pages])
    lost = [len(phase.lost) for phase in phases]
    row("lost results: 0", lost, [n == 0 for n in lost])
    done = [phase.drained["done"] for phase in phases]
    row("outbox done, files imported", done, done)
    restarts = [len(phase.restarts) for phase in phases]
    row("servers that exited: 0", restarts, [n == 0 for n in restarts])
    faults = [len(phase.client_failures) for phase in phases]
    row("client faults: 0", faults, [n == 0 for n in faults])
    print(f"\n  {'goal':<34}" + "".join(f"{p.name:>22}" for p in phases))
    for label, values, met in rows:
        cells = "".join(
            f"{value + (' met' if ok else ' NOT met'):>22}"
            for value, ok in zip(values, met, strict=True)
        )
        print(f"  {label:<34}{cells}")
    return all(all(met) for _label, _values, met in rows)


def report_logs(stack: Stack) -> int:
    """Error lines in the servers' logs by source (the broker's and result
    store's connection errors while Redis is down are expected), and the
    tracebacks of failed requests; returns how many requests failed."""
    counts, failed_requests = stack.logged_errors()
    print()
    for name, counted in counts.items():
        sources = ", ".join(f"{n} x {source}" for source, n in counted.most_common(6))
        print(f"{name}.log error lines: {sources}")
    for entry in failed_requests[:5]:
        print(f"\nfailed request: {entry.get('message')}")
        print(str(entry.get("exc_info", ""))[-3000:])
    return len(failed_requests)


# --- Running it ---------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--outage-seconds", type=float, default=30.0)
    parser.add_argument("--think-ms", type=float, default=500.0)
    parser.add_argument("--import-every", type=float, default=20.0, help="0: none")
    parser.add_argument("--drain-seconds", type=float, default=120.0)
    parser.add_argument("--children", type=int, default=20_000)
    parser.add_argument("--consented", type=int, default=350, help="per practice")
    parser.add_argument("--workers", type=int, help="default: gunicorn.conf.py's")
    parser.add_argument("--db", default="fh_bench_load")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args()
    if args.users < 3:
        parser.error("--users must be at least 3 (one of each kind)")
    if not 0 < args.outage_seconds < args.seconds:
        parser.error("--outage-seconds must lie between 0 and --seconds")
    if shutil.which("redis-server") is None:
        sys.exit("redis-server is needed (Debian: apt-get install redis-server)")
    params = bench_db.admin_params("the server is measured")
    bench_db.recreate_database(params, args.db)
    work = Path(tempfile.mkdtemp(prefix="fh-bench-load-"))
    stack = Stack(work, bench_db.database_url(args.db), args.workers)
    kept = True
    try:
        fixture = prepare(args, stack.db_url, work)
        collect_static(stack)
        stack.start_services()
        warm_up(stack)
        peds, coords, labs = role_counts(args.users)
        print(
            f"{args.users} users ({peds} pediatricians, {coords} coordinators, "
            f"{labs} lab systems), think {args.think_ms:.0f} ms; gunicorn "
            f"{args.workers or (os.cpu_count() or 1) + 1} sync workers, worker, "
            f"beat, redis-server :{stack.redis_port}; PostgreSQL {args.db}"
        )
        phases = [
            run_phase("steady", 1, args, fixture, stack, with_outage=False),
            run_phase("Redis stopped", 2, args, fixture, stack, with_outage=True),
        ]
        for phase in phases:
            report_phase(phase)
        met = verdicts(phases)
        kept = report_logs(stack) > 0 or not met
    finally:
        stack.stop_all()
        from django.db import connections  # noqa: PLC0415

        connections.close_all()
        if not args.keep_db:
            bench_db.recreate_database(params, args.db, drop_only=True)
        if kept:
            print(f"\nlogs kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
