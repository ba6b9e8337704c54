"""Django's Redis cache, degraded rather than down when Redis is unreachable.

Pages, login, sessions (read through the cache, written through to the
database) and rate limits use the cache. With Redis gone, every cache call
here answers like a miss (reads: the default; writes: nothing stored) after a
short timeout, and logs a warning, so pages and login keep working from the
database instead of failing with a 500.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

_UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)


def _as_miss(
    answer: Callable[..., Any],
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def decorate(method: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(method)
        def guarded(self: RedisCache, *args: Any, **kwargs: Any) -> Any:
            try:
                return method(self, *args, **kwargs)
            except _UNREACHABLE as error:
                logger.warning(
                    "cache unreachable, %s answered as a miss: %s",
                    method.__name__,
                    error,
                )
                return answer(*args, **kwargs)

        return guarded

    return decorate


def _default(key: Any, default: Any = None, *args: Any, **kwargs: Any) -> Any:
    return default


def _nothing(*args: Any, **kwargs: Any) -> Any:
    return None


def _false(*args: Any, **kwargs: Any) -> bool:
    return False


def _empty(*args: Any, **kwargs: Any) -> dict[str, Any]:
    return {}


def _all_failed(mapping: dict[str, Any], *args: Any, **kwargs: Any) -> list[str]:
    return list(mapping)


def _incr_miss(key: Any, *args: Any, **kwargs: Any) -> int:
    raise ValueError(f"Key {key!r} not found (cache unreachable)")


class DegradingRedisCache(RedisCache):
    get = _as_miss(_default)(RedisCache.get)
    set = _as_miss(_nothing)(RedisCache.set)
    add = _as_miss(_false)(RedisCache.add)
    touch = _as_miss(_false)(RedisCache.touch)
    delete = _as_miss(_false)(RedisCache.delete)
    has_key = _as_miss(_false)(RedisCache.has_key)
    incr = _as_miss(_incr_miss)(RedisCache.incr)
    get_many = _as_miss(_empty)(RedisCache.get_many)
    set_many = _as_miss(_all_failed)(RedisCache.set_many)
    delete_many = _as_miss(_nothing)(RedisCache.delete_many)
    clear = _as_miss(_false)(RedisCache.clear)

    def __contains__(self, key: Any) -> bool:
        return self.has_key(key)
