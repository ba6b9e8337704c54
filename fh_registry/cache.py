"""Django's Redis cache, keeping its redis-py clients.

Django's `RedisCacheClient` builds a new `redis.Redis` object for every cache
operation (on its kept connection pool); a page reads its session from the
cache on every request, and building that object cost more Python than the
read. redis-py clients are safe to share between threads (a command takes a
connection from the pool and returns it), so one per pool is kept.
"""

from __future__ import annotations

from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class RegistryRedisCacheClient(RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}  # by id of the pool: pools are kept

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined]
        client = self._clients.get(id(pool))
        if client is None:
            client = self._client(connection_pool=pool)  # type: ignore[attr-defined]
            self._clients[id(pool)] = client
        return client


class RegistryRedisCache(RedisCache):
    """`django.core.cache.backends.redis.RedisCache` with the client above."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = RegistryRedisCacheClient
