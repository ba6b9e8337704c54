"""With a Redis CACHE_URL the settings choose Django's Redis cache, without one
a per-process cache; sessions stay in the database either way."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

REDIS_URL = os.environ.get("TEST_REDIS_CACHE_URL", "redis://127.0.0.1:6379/13")


def _chosen(cache_url: str | None) -> list[str]:
    script = (
        "from django.conf import settings; "
        "print(settings.CACHES['default']['BACKEND'], settings.SESSION_ENGINE)"
    )
    env = {**os.environ, "DJANGO_ENV": "test"}
    env.pop("CACHE_URL", None)
    if cache_url:
        env["CACHE_URL"] = cache_url
    env["DJANGO_SETTINGS_MODULE"] = "fh_registry.settings"
    done = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.split() or [done.stderr]


@pytest.mark.parametrize(
    ("cache_url", "expected"),
    [
        (
            REDIS_URL,
            [
                "fh_registry.cache.DegradingRedisCache",
                "django.contrib.sessions.backends.db",
            ],
        ),
        (
            None,
            [
                "django.core.cache.backends.locmem.LocMemCache",
                "django.contrib.sessions.backends.db",
            ],
        ),
    ],
)
def test_the_settings_choose_the_cache_and_session_store(
    cache_url: str | None, expected: list[str]
) -> None:
    assert _chosen(cache_url) == expected
