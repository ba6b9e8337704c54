"""Who is asking: API tokens and the signed-in user of a page session.

Both lookups run on every request; written out as one SQL query each, they cost
a fraction of the ORM's compiled get. The rules and messages are Django's and
DRF's. (Its own module: DRF imports it while loading its views.)
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

from fh_registry.models import User
from fh_registry.rawsql import fetch_one


class RegistryTokenAuthentication(TokenAuthentication):
    """DRF's token authentication, its lookup written out as one SQL query.

    Every API call authenticates; built by the ORM (select_related, get) the
    lookup cost about as much Python as the rest of a GET. Same rules, same
    messages, same (user, token) pair.
    """

    _LOOKUP_SQL = """
        SELECT u.*, t.created AS token_created
        FROM fh_registry_user u JOIN authtoken_token t ON t.user_id = u.id
        WHERE t.key = %s
    """

    def authenticate_credentials(self, key: str) -> tuple[User, Token]:
        user = fetch_one(User, self._LOOKUP_SQL, [key])
        if user is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        created = user.token_created  # type: ignore[attr-defined]
        if timezone.is_naive(created):  # SQLite returns extra columns as stored: UTC
            created = timezone.make_aware(created, UTC)
        return user, Token(key=key, user=user, created=created)


class RegistryModelBackend(ModelBackend):
    """Django's model backend; the session's user read in one written-out query."""

    _USER_SQL = "SELECT * FROM fh_registry_user WHERE id = %s"

    def get_user(self, user_id: Any) -> User | None:
        user = fetch_one(User, self._USER_SQL, [user_id])
        return user if user is not None and self.user_can_authenticate(user) else None
