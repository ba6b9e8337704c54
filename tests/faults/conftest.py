"""Services a fault test owns: a private Redis, a private PostgreSQL cluster, and
the registry's own processes (gunicorn, Celery workers, the outbox relay)
started as in production but pointed at them. Stopping and restarting these
disturbs nothing else the suite runs in parallel on the shared services.

Every port is free when taken and every folder is a fresh temporary one, so
these tests run side by side with each other (pytest-xdist) too.
"""

from __future__ import annotations

import logging
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
import redis
import requests
from django.db import connection

from fh_registry.models import OutboxMessage
from tests.personas import PASSWORD

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
STARTUP_SECONDS = 60


def wait_until(condition: Callable[[], Any], *, seconds: float, what: str) -> Any:
    """Poll `condition` until it answers something true; fail after `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        answer = condition()
        if answer:
            return answer
        if time.monotonic() > deadline:
            pytest.fail(f"waited {seconds:.0f} s for {what}")
        time.sleep(0.1)


def done(message: OutboxMessage) -> bool:
    message.refresh_from_db()
    return message.done_at is not None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def need(program: str, hint: str) -> str:
    found = shutil.which(program)
    if found is None:
        pytest.fail(f"{program} is not installed; the fault tests need it ({hint})")
    return found


def stop_group(process: subprocess.Popen[Any], *, kill: bool = False) -> None:
    """End a process started in a session of its own, with all its children."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL if kill else signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)


# --- Redis --------------------------------------------------------------------------


class PrivateRedis:
    """A redis-server of this test's own, without persistence: a restart empties
    it, as a broker without AOF or snapshots loses what it held."""

    def __init__(self, folder: Path) -> None:
        self.binary = need("redis-server", "Debian: apt-get install redis-server")
        self.folder = folder
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def url(self, db: int) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port, socket_connect_timeout=1, socket_timeout=5)

    def answers(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:  # it did not start (port taken?)
            pytest.fail((self.folder / "redis.log").read_text()[-2000:])
        try:
            return bool(self.client().ping())
        except redis.RedisError:
            return False

    def start(self) -> None:
        command = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no", "--dir", str(self.folder)]
        with (self.folder / "redis.log").open("ab") as log:
            self.process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        wait_until(self.answers, seconds=STARTUP_SECONDS, what="the private Redis")

    def stop(self) -> None:
        if self.process is not None:
            stop_group(self.process)
            self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    folder = Path(tempfile.mkdtemp(prefix="fh-faults-redis-"))
    server = PrivateRedis(folder)
    server.start()
    yield server
    server.stop()
    shutil.rmtree(folder, ignore_errors=True)


# --- The registry's processes -------------------------------------------------------


def database_url(params: dict[str, Any]) -> str:
    user = params.get("USER") or "postgres"
    password = f":{params['PASSWORD']}" if params.get("PASSWORD") else ""
    host = params.get("HOST") or "127.0.0.1"
    port = params.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{params['NAME']}"


class Registry:
    """The registry's processes on this test's database (the suite's test
    database, or a private cluster), broker and cache (the private Redis)."""

    def __init__(
        self, folder: Path, database: str, *, broker: PrivateRedis | None
    ) -> None:
        self.folder = folder
        self.env = {
            **os.environ,
            "DJANGO_ENV": "test",
            "DJANGO_SETTINGS_MODULE": "fh_registry.settings",
            "DATABASE_URL": database,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "MEDIA_ROOT": str(folder / "media"),
            "LANGUAGE_CODE": "en",
            "LOG_LEVEL": "INFO",
        }
        for name in ("CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "CACHE_URL"):
            self.env.pop(name, None)
        if broker is not None:
            self.env["CELERY_BROKER_URL"] = broker.url(0)
            self.env["CELERY_RESULT_BACKEND"] = ""  # effects are read from the database
            self.env["CACHE_URL"] = broker.url(1)
        self.processes: list[subprocess.Popen[bytes]] = []

    def start(
        self, name: str, command: list[str]
    ) -> tuple[subprocess.Popen[bytes], Path]:
        """Start a registry process in the background; it and its log."""
        log = self.folder / f"{name}-{uuid.uuid4().hex[:8]}.log"
        with log.open("wb") as output:
            process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=self.env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its whole group can be stopped or killed
            )
        self.processes.append(process)
        return process, log

    def worker(self) -> Worker:
        """Start a Celery worker (solo pool: the task runs in the worker's own
        process). Messages wait in Redis until it is up, so nothing waits for it
        here: it starts while the test goes on."""
        command = [PYTHON, "-m", "celery", "-A", "fh_registry", "worker", "--pool=solo"]
        command += ["--without-mingle", "--without-gossip", "--without-heartbeat"]
        command += ["-n", f"faults-{uuid.uuid4().hex[:8]}@%h", "--loglevel=INFO"]
        return Worker(*self.start("worker", command))

    def web(self) -> Web:
        """gunicorn with one worker, as production serves the pages."""
        port = free_port()
        self.env["GUNICORN_BIND"] = f"127.0.0.1:{port}"
        self.env["WEB_CONCURRENCY"] = "1"
        process, log = self.start("web", [PYTHON, "-m", "gunicorn", "fh_registry.wsgi"])
        web = Web(f"http://127.0.0.1:{port}", process, log)
        wait_until(web.ready, seconds=STARTUP_SECONDS, what=f"gunicorn ({log})")
        return web

    def run(self, code: str) -> str:
        """Python in a registry process of its own (Django set up); its output."""
        finished = subprocess.run(
            [PYTHON, "-c", f"import django\ndjango.setup()\n{code}"],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert finished.returncode == 0, finished.stderr[-3000:]
        return finished.stdout

    def relay(self) -> int:
        """One run of the beat's relay job, in a process that knows the tasks as
        a worker does: publish the pending outbox rows; how many."""
        code = (
            "from fh_registry.celery import app\n"
            "from fh_registry import outbox\n"
            "app.loader.import_default_modules()\n"
            "print('published', outbox.relay_pending())"
        )
        output = self.run(code)
        found = re.search(r"^published (\d+)$", output, re.MULTILINE)
        assert found is not None, output[-3000:]
        return int(found.group(1))

    def manage(self, *arguments: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [PYTHON, "manage.py", *arguments],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    def stop(self) -> None:
        """End every process; the ends of their logs go to the captured log,
        which pytest shows when the test failed."""
        for process in self.processes:
            stop_group(process)
        for log in sorted(self.folder.glob("*.log")):
            logger.info("%s:\n%s", log.name, log.read_text(errors="replace")[-4000:])


class Worker:
    def __init__(self, process: subprocess.Popen[bytes], log: Path) -> None:
        self.process, self.log = process, log

    def kill(self) -> None:
        """SIGKILL, as the OOM killer or a lost machine ends a worker: no
        cleanup, no acknowledgement, connections dropped."""
        stop_group(self.process, kill=True)


class Web:
    def __init__(self, base: str, process: subprocess.Popen[bytes], log: Path) -> None:
        self.base, self.process, self.log = base, process, log

    def ready(self) -> bool:
        assert self.process.poll() is None, self.log.read_text()[-3000:]
        try:
            return requests.get(f"{self.base}/healthz", timeout=30).status_code == 200
        except requests.RequestException:  # not listening yet, or still loading
            return False

    def signed_in(self, username: str) -> Browser:
        browser = Browser(self.base)
        response = browser.submit(
            "/accounts/login/", {"username": username, "password": PASSWORD}
        )
        assert response.status_code == 302, response.text[-2000:]
        return browser


class Browser:
    """A user's requests.Session: reads the form's CSRF token, then posts it."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.session = requests.Session()

    def get(self, path: str) -> requests.Response:
        return self.session.get(self.base + path, timeout=30, allow_redirects=False)

    def submit(
        self,
        path: str,
        data: dict[str, str],
        files: dict[str, tuple[str, bytes, str]] | None = None,
        *,
        form_page: str | None = None,
    ) -> requests.Response:
        """Post a form as the browser would, from the page showing it (`path`
        itself unless the form lives on another page)."""
        form = self.get(form_page or path)
        assert form.status_code == 200, form.text[-2000:]
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
        assert token is not None
        return self.session.post(
            self.base + path,
            data={**data, "csrfmiddlewaretoken": token.group(1)},
            files=files,
            timeout=60,
            allow_redirects=False,
        )


@pytest.fixture
def registry(transactional_db: Any, private_redis: PrivateRedis) -> Iterator[Registry]:
    """The registry on the suite's test database and the private Redis; its
    processes end before the test's data is flushed."""
    folder = Path(tempfile.mkdtemp(prefix="fh-faults-registry-"))
    processes = Registry(
        folder, database_url(connection.settings_dict), broker=private_redis
    )
    yield processes
    processes.stop()
    shutil.rmtree(folder, ignore_errors=True)


# --- PostgreSQL ---------------------------------------------------------------------


def postgres_bin() -> Path:
    """Debian keeps a version's server programs in /usr/lib/postgresql/N/bin."""
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda path: int(path.parent.parent.name),
    )
    if not versions:
        pytest.fail(
            "PostgreSQL's server programs are not installed (Debian: apt-get "
            "install postgresql); the fault tests need initdb and pg_ctl"
        )
    return versions[-1].parent


class PrivateCluster:
    """A PostgreSQL cluster of this test's own, on a free port with trust
    authentication, so it can be restarted under a running import. Run as the
    postgres user when the suite runs as root (PostgreSQL refuses root)."""

    def __init__(self, folder: Path) -> None:
        self.bin = postgres_bin()
        self.folder = folder
        self.data = folder / "data"
        self.port = free_port()
        self.owner: list[str] = []
        if os.geteuid() == 0:
            account = pwd.getpwnam("postgres")
            os.chown(folder, account.pw_uid, account.pw_gid)
            self.owner = ["runuser", "-u", "postgres", "--"]

    def _run(self, program: str, *arguments: str) -> None:
        command = [*self.owner, str(self.bin / program), *arguments]
        ran = subprocess.run(command, capture_output=True, text=True, check=False)
        assert ran.returncode == 0, ran.stdout + ran.stderr

    def _ctl(self, action: str, *arguments: str) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1"
        options += " -c fsync=off -c full_page_writes=off"  # a throwaway cluster
        log = str(self.folder / "server.log")
        ctl = ["-D", str(self.data), "-l", log, "-w", "-o", options]
        self._run("pg_ctl", action, *ctl, *arguments)

    def create(self) -> None:
        trust = ["-U", "postgres", "-A", "trust", "--no-sync"]
        self._run("initdb", "-D", str(self.data), *trust)
        self.start()

    def start(self) -> None:
        self._ctl("start")

    def stop(self, mode: str) -> None:
        """pg_ctl's shutdown modes: `fast` ends every session with an error
        (an administrator's restart), `immediate` drops them (a crash)."""
        self._run("pg_ctl", "stop", "-D", str(self.data), "-m", mode, "-w")

    def remove(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self.stop("immediate")

    def copy(self, source: str, name: str) -> str:
        """A database here holding what `source` holds (the suite's migrated
        test database and the test's data): faster than migrating anew."""
        with self.connect("postgres") as admin:
            admin.execute(f"CREATE DATABASE {name}")
        dump = subprocess.run(
            [str(self.bin / "pg_dump"), "-Fc", "-d", source],
            capture_output=True,
            check=True,
        )
        subprocess.run(
            [str(self.bin / "pg_restore"), "--no-owner", "-d", self.url(name)],
            input=dump.stdout,
            capture_output=True,
            check=True,
        )
        return self.url(name)

    def url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def connect(self, name: str) -> psycopg.Connection[Any]:
        return psycopg.connect(
            self.url(name).replace("postgres://", "postgresql://"), autocommit=True
        )


@pytest.fixture
def private_postgres() -> Iterator[PrivateCluster]:
    folder = Path(tempfile.mkdtemp(prefix="fh-faults-pg-"))
    cluster = PrivateCluster(folder)
    try:
        cluster.create()
        yield cluster
    finally:
        cluster.remove()
        shutil.rmtree(folder, ignore_errors=True)
