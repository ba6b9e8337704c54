"""Two small pieces of session and response hygiene Django does not ship."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers, patch_cache_control

_LOGIN_AT = "fh_login_at"
_SEEN_AT = "fh_seen_at"


class PrivateResponsesMiddleware:
    """Nothing a signed-in user or an API client receives is kept by a browser
    or proxy cache: pages and answers may name children (Cache-Control:
    no-store, private)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated) or request.path.startswith(
            "/api/"
        ):
            add_never_cache_headers(response)
            patch_cache_control(response, no_store=True, private=True)
        return response


class SessionLimitsMiddleware:
    """A session ends after SESSION_IDLE_SECONDS without a request and, however
    busy, SESSION_ABSOLUTE_SECONDS after its login."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            now = time.time()
            login_at = request.session.setdefault(_LOGIN_AT, now)
            seen_at = request.session.get(_SEEN_AT, now)
            if (
                now - login_at > settings.SESSION_ABSOLUTE_SECONDS
                or now - seen_at > settings.SESSION_IDLE_SECONDS
            ):
                logout(request)
            # Written at most once a minute: not a session save per request.
            elif now - seen_at >= 60 or _SEEN_AT not in request.session:
                request.session[_SEEN_AT] = now
        return self.get_response(request)
