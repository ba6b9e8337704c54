"""API token authentication that resists guessing.

DRF authenticates before it throttles, so a wrong token is answered 401 as
often as it is tried. This counts wrong tokens per client address in the
cache and, past API_TOKEN_FAILURE_LIMIT within API_TOKEN_FAILURE_WINDOW_SECONDS,
answers 429 without looking the token up.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.cache import cache
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.request import Request


def _client(request: Request) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


class GuardedTokenAuthentication(TokenAuthentication):
    def authenticate(self, request: Request) -> Any:
        key = f"api-token-failures:{_client(request)}"
        failures = cache.get(key, 0)
        if failures >= settings.API_TOKEN_FAILURE_LIMIT:
            raise exceptions.Throttled(
                wait=settings.API_TOKEN_FAILURE_WINDOW_SECONDS,
                detail="Too many wrong tokens from this address; try again later.",
            )
        try:
            return super().authenticate(request)
        except exceptions.AuthenticationFailed:
            if not cache.add(key, 1, settings.API_TOKEN_FAILURE_WINDOW_SECONDS):
                try:
                    cache.incr(key)
                except ValueError:  # expired between add and incr
                    cache.add(key, 1, settings.API_TOKEN_FAILURE_WINDOW_SECONDS)
            raise
