"""API token authentication that resists guessing, lab-system keys and their
limits, and the sign-in backend that never lets a lab system in.

DRF authenticates before it throttles, so a wrong token is answered 401 as
often as it is tried. This counts wrong tokens (user tokens and lab-system
keys alike) per client address in the cache and, past API_TOKEN_FAILURE_LIMIT
within API_TOKEN_FAILURE_WINDOW_SECONDS, answers 429 without looking the token
up.

A lab-system key (LabSystemToken) authenticates as the token's own user, so the
scoped managers and the services' acting user work for it as for anyone. What
it may call is decided here, because authentication is the one step every DRF
view runs whatever its permission classes: a viewset opens an action to lab
systems by naming it in `lab_system_actions` (a plain API view a method, in
`lab_system_methods`); every other endpoint, present or future, answers them
403.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.request import Request

from fh_registry.access import is_lab_system
from fh_registry.models import (
    LAB_KEY_PREFIX,
    LabSystemToken,
    Role,
    lab_key_digest,
)
from fh_registry.services import record_lab_token_use


def _client(request: Request) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _lab_system_may_call(request: Request) -> bool:
    """Deny by default: only the actions a viewset lists in `lab_system_actions`,
    or the methods a plain API view lists in `lab_system_methods`."""
    view = (request.parser_context or {}).get("view")
    action = getattr(view, "action", None)
    if action is not None:
        return action in getattr(view, "lab_system_actions", ())
    return request.method in getattr(view, "lab_system_methods", ())


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
            authenticated = super().authenticate(request)
        except exceptions.AuthenticationFailed:
            if not cache.add(key, 1, settings.API_TOKEN_FAILURE_WINDOW_SECONDS):
                try:
                    cache.incr(key)
                except ValueError:  # expired between add and incr
                    cache.add(key, 1, settings.API_TOKEN_FAILURE_WINDOW_SECONDS)
            raise
        if (
            authenticated is not None
            and is_lab_system(authenticated[0])
            and not _lab_system_may_call(request)
        ):
            raise exceptions.PermissionDenied(
                "A lab-system token may only submit lab results and imports."
            )
        return authenticated

    def authenticate_credentials(self, key: str) -> Any:
        if not key.startswith(LAB_KEY_PREFIX):
            user, token = super().authenticate_credentials(key)
            if is_lab_system(user):  # a lab system signs in with its own key only
                raise exceptions.AuthenticationFailed("Invalid token.")
            return user, token
        lab_token = (
            LabSystemToken.objects.select_related("user")
            .filter(key_digest=lab_key_digest(key))
            .first()
        )
        # Revoked, or its user deactivated or given another role: no key at all.
        if (
            lab_token is None
            or lab_token.revoked_at is not None
            or not lab_token.user.is_active
            or lab_token.user.role != Role.LAB_SYSTEM
        ):
            raise exceptions.AuthenticationFailed("Invalid token.")
        record_lab_token_use(token=lab_token, at=timezone.now())
        return lab_token.user, lab_token


class RegistryModelBackend(ModelBackend):
    """Django's backend, except that a lab-system user never signs in and no
    session is ever taken as one: it has no password, and this holds even if
    it were given one."""

    def user_can_authenticate(self, user: Any) -> bool:
        return bool(
            super().user_can_authenticate(user)
            and getattr(user, "role", None) != Role.LAB_SYSTEM
        )
