"""The one place that decides which practices' people a user may see.

Every scoped manager (`Person.objects.for_user(user)` and friends) asks here, so a
record outside a user's scope is simply absent: views answer 404, never 403.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from fh_registry.models import Membership, Practice, Role

NOTHING = Q(pk__in=[])


def is_administrator(user: Any) -> bool:
    return bool(
        user.is_authenticated and (user.is_superuser or user.role == Role.ADMINISTRATOR)
    )


def practice_scope(user: Any, practice_path: str = "practice") -> Q:
    """A filter on `practice_path` that keeps only the practices the user may see.

    Administrators and all-practice coordinators see every practice; pediatricians and
    regional coordinators the practices they are members of in that role;
    epidemiologists (statistics only) and anonymous users see no person at all.
    """
    if not user.is_authenticated or not user.is_active:
        return NOTHING
    if is_administrator(user):
        return Q()
    if user.role == Role.COORDINATOR and user.covers_all_practices:
        return Q()
    if user.role in (Role.PEDIATRICIAN, Role.COORDINATOR):
        member_practices = Membership.objects.filter(
            user_id=user.pk, role=user.role
        ).values("practice_id")
        return Q(**{f"{practice_path}__in": member_practices})
    return NOTHING


def visible_practices(user: Any) -> QuerySet[Practice]:
    return Practice.objects.filter(practice_scope(user, practice_path="pk"))


def identity_scope(user: Any, practice_path: str) -> Q:
    """Names and contact details: the owning practice's pediatricians and coordinators.

    Administrators manage the registry but do not read identities (DOMAIN §7).
    """
    if not user.is_authenticated or user.role not in (
        Role.PEDIATRICIAN,
        Role.COORDINATOR,
    ):
        return NOTHING
    return practice_scope(user, practice_path)


def can_enter_results(user: Any) -> bool:
    return bool(user.is_authenticated and user.role == Role.PEDIATRICIAN)


def can_import_results(user: Any) -> bool:
    return bool(
        user.is_authenticated and user.role in (Role.PEDIATRICIAN, Role.COORDINATOR)
    )


def can_see_statistics(user: Any) -> bool:
    return bool(
        user.is_authenticated
        and (user.role == Role.EPIDEMIOLOGIST or is_administrator(user))
    )
