"""The one place that decides which practices' people a user may see.

Every scoped manager (`Person.objects.for_user(user)` and friends) asks here, so a
record outside a user's scope is simply absent: views answer 404, never 403.
"""

from __future__ import annotations

from typing import TypeAlias

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet

from fh_registry.models import Membership, Practice, Role, User

#: Whoever asks: a registry user or an anonymous visitor.
Viewer: TypeAlias = User | AnonymousUser

NOTHING = Q(pk__in=[])


def is_administrator(user: Viewer) -> bool:
    return bool(
        user.is_authenticated and (user.is_superuser or user.role == Role.ADMINISTRATOR)
    )


# How far a user's reach goes: every practice, the practices they are members of
# in their role, or none.
_EVERY_PRACTICE = "every"
_MEMBER_PRACTICES = "member"
_NO_PRACTICE = "none"


def _reach(user: Viewer) -> str:
    """Administrators and all-practice coordinators see every practice; pediatricians,
    regional coordinators and lab systems the practices they are members of in that
    role (a lab system's one practice, that of its token); epidemiologists
    (statistics only) and anonymous users see no person at all."""
    if not user.is_authenticated or not user.is_active:
        return _NO_PRACTICE
    if is_administrator(user):
        return _EVERY_PRACTICE
    if user.role == Role.COORDINATOR and user.covers_all_practices:
        return _EVERY_PRACTICE
    if user.role in (Role.PEDIATRICIAN, Role.COORDINATOR, Role.LAB_SYSTEM):
        return _MEMBER_PRACTICES
    return _NO_PRACTICE


def practice_scope(user: Viewer, practice_path: str = "practice") -> Q:
    """A filter on `practice_path` that keeps only the practices the user may see."""
    reach = _reach(user)
    if reach == _EVERY_PRACTICE:
        return Q()
    if reach == _MEMBER_PRACTICES:
        assert isinstance(user, User)  # members are registry users
        member_practices = Membership.objects.filter(user=user, role=user.role).values(
            "practice_id"
        )
        return Q(**{f"{practice_path}__in": member_practices})
    return NOTHING


def visible_practices(user: Viewer) -> QuerySet[Practice]:
    return Practice.objects.filter(practice_scope(user, practice_path="pk"))


def _reads_identities(user: Viewer) -> bool:
    """Names and contact details: the owning practice's pediatricians and coordinators.

    Administrators manage the registry but do not read identities (DOMAIN §7).
    """
    return bool(
        user.is_authenticated and user.role in (Role.PEDIATRICIAN, Role.COORDINATOR)
    )


def identity_scope(user: Viewer, practice_path: str) -> Q:
    """A filter on `practice_path` keeping the identities the user may read."""
    if not _reads_identities(user):
        return NOTHING
    return practice_scope(user, practice_path)


def is_lab_system(user: Viewer) -> bool:
    """The user behind a lab-system token: the API lets it submit lab results and
    imports only (fh_registry.authentication), and it never has a session."""
    return bool(user.is_authenticated and user.role == Role.LAB_SYSTEM)


def can_enter_results(user: Viewer) -> bool:
    return bool(user.is_authenticated and user.role == Role.PEDIATRICIAN)


def can_submit_lab_results(user: Viewer) -> bool:
    """Lab results through the API: pediatricians, and lab systems for their
    practice (scoped like everyone by practice_scope)."""
    return can_enter_results(user) or is_lab_system(user)


def can_import_results(user: Viewer) -> bool:
    return bool(
        user.is_authenticated
        and user.role in (Role.PEDIATRICIAN, Role.COORDINATOR, Role.LAB_SYSTEM)
    )


def uploads_scope(user: Viewer, uploader_path: str = "uploaded_by") -> Q:
    """Within the practices in scope: a lab system follows only the imports it
    sent itself; everyone else every import of those practices."""
    if is_lab_system(user):
        return Q(**{uploader_path: user})
    return Q()


def can_see_statistics(user: Viewer) -> bool:
    return bool(
        user.is_authenticated
        and (user.role == Role.EPIDEMIOLOGIST or is_administrator(user))
    )
