"""The Redis cache keeps one redis-py client per pool and behaves as Django's."""

from __future__ import annotations

import os
import subprocess
import sys
import threading

from django.core.cache.backends.redis import RedisCache

from fh_registry.cache import RegistryRedisCache

REDIS_URL = os.environ.get("TEST_REDIS_CACHE_URL", "redis://127.0.0.1:6379/13")


def _cache() -> RegistryRedisCache:
    return RegistryRedisCache(REDIS_URL, {"KEY_PREFIX": "cache-test"})


def test_the_settings_choose_it_for_a_redis_url() -> None:
    script = (
        "from django.conf import settings; "
        "print(settings.CACHES['default']['BACKEND'], settings.SESSION_ENGINE)"
    )
    env = {**os.environ, "CACHE_URL": REDIS_URL, "DJANGO_ENV": "test"}
    env["DJANGO_SETTINGS_MODULE"] = "fh_registry.settings"
    chosen = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert chosen.stdout.split() == [
        "fh_registry.cache.RegistryRedisCache",
        "django.contrib.sessions.backends.cached_db",
    ], chosen.stderr


def test_reads_and_writes_as_django_does() -> None:
    ours, django = _cache(), RedisCache(REDIS_URL, {"KEY_PREFIX": "cache-test"})
    ours.set("session", {"user": 7}, timeout=30)
    assert django.get("session") == {"user": 7}
    django.set("other", [1, 2], timeout=30)
    assert ours.get("other") == [1, 2]
    assert ours.delete("session") is True
    assert django.get("session") is None
    ours.delete("other")


def test_one_client_per_pool_shared_by_threads() -> None:
    cache = _cache()
    client = cache._cache  # type: ignore[attr-defined]  # Django's cached client
    first = client.get_client(write=True)
    assert client.get_client(write=False) is first  # one server: one pool
    seen: list[object] = []
    threads = [
        threading.Thread(target=lambda: seen.append(client.get_client()))
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(client is first for client in seen)
    cache.set("threaded", "yes", timeout=30)
    assert cache.get("threaded") == "yes"
    cache.delete("threaded")
