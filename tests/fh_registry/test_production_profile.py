"""The documented production profile passes Django's deployment checks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {
            "DJANGO_ENV",
            "SECRET_KEY",
            "DEBUG",
            "ALLOWED_HOSTS",
            "DJANGO_ALLOW_ASYNC_UNSAFE",  # set for the browser tests only
        }
    }
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_passes_in_production() -> None:
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_ENV="production",
        SECRET_KEY="p" * 20 + "-production-secret-for-the-check-only-" + "q" * 20,
        ALLOWED_HOSTS="registry.example.org",
    )
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret() -> None:
    result = _manage("check", DJANGO_ENV="production")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_refuses_demo_data() -> None:
    result = _manage(
        "seed_demo",
        DJANGO_ENV="production",
        SECRET_KEY="s" * 60,
        ALLOWED_HOSTS="registry.example.org",
    )
    assert result.returncode != 0
    assert "Demo data is refused in the production profile." in result.stderr


def test_openapi_schema_is_valid() -> None:
    result = _manage("spectacular", "--validate", "--fail-on-warn")
    assert result.returncode == 0, result.stderr
    assert "/api/v1/lab-results/" in result.stdout


_SESSION_PROBE = (
    "from django.conf import settings; from django.core.cache import cache; "
    "cache.set('probe', 'seen', 5); "
    "print(settings.SESSION_ENGINE, cache.get('probe'))"
)


def test_sessions_stay_in_the_database_with_redis_as_the_cache() -> None:
    # Redis serves as the cache (the probe is seen), but not as the session
    # store: a sign-out while it is down must stay a sign-out when it returns.
    result = _manage(
        "shell", "-c", _SESSION_PROBE, CACHE_URL="redis://127.0.0.1:6379/13"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].split() == [
        "django.contrib.sessions.backends.db",
        "seen",
    ]


def test_sessions_stay_in_the_database_with_a_per_process_cache() -> None:
    # A session ended in one worker must not live on in another's memory.
    result = _manage("shell", "-c", _SESSION_PROBE, CACHE_URL="locmemcache://")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].split() == [
        "django.contrib.sessions.backends.db",
        "seen",
    ]
