"""Who sees which practices' persons and identities: fh_registry.access decides
once, as ORM filters, for every kind of user."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from fh_registry.models import Membership, Practice, Role, User
from screening.models import Person, PersonIdentity
from tests.personas import register_child

pytestmark = pytest.mark.django_db


@pytest.fixture
def users(cast: dict[str, Any]) -> dict[str, Any]:
    """The demo cast and the cases it lacks: a regional coordinator, a member of two
    practices, a pediatrician with a coordinator's membership only, an inactive
    pediatrician, a superuser whose role alone sees no one, and an anonymous visitor."""
    practice_a = Practice.objects.get(code="DEMO-A")
    practice_b = Practice.objects.get(code="DEMO-B")

    def user(name: str, role: str, **extra: Any) -> User:
        return User.objects.create_user(username=name, role=role, **extra)

    regional = user("regional", Role.COORDINATOR)
    Membership.objects.create(user=regional, practice=practice_b, role=Role.COORDINATOR)
    both = user("both", Role.PEDIATRICIAN)
    for practice in (practice_a, practice_b):
        Membership.objects.create(user=both, practice=practice, role=Role.PEDIATRICIAN)
    wrong_role = user("wrong_role", Role.PEDIATRICIAN)
    Membership.objects.create(
        user=wrong_role, practice=practice_a, role=Role.COORDINATOR
    )
    inactive = user("inactive", Role.PEDIATRICIAN, is_active=False)
    Membership.objects.create(
        user=inactive, practice=practice_a, role=Role.PEDIATRICIAN
    )
    root = User.objects.create_superuser(username="root", role=Role.EPIDEMIOLOGIST)
    return {
        **cast,
        "regional": regional,
        "both": both,
        "wrong_role": wrong_role,
        "inactive": inactive,
        "root": root,
        "anonymous": AnonymousUser(),
    }


def test_each_kind_of_user_sees_the_persons_of_their_reach(
    users: dict[str, Any], ped_a: Any, ped_b: Any
) -> None:
    child_a = register_child(ped_a)
    child_b = register_child(ped_b, practice_code="DEMO-B", number="B-1")
    expected = {
        "ped_a": {child_a.pk},
        "ped_b": {child_b.pk},
        "coord": {child_a.pk, child_b.pk},
        "epi": set(),
        "admin": {child_a.pk, child_b.pk},
        "regional": {child_b.pk},
        "both": {child_a.pk, child_b.pk},
        "wrong_role": set(),
        "inactive": set(),
        "root": {child_a.pk, child_b.pk},
        "anonymous": set(),
    }
    for name, user in users.items():
        orm = set(Person.objects.for_user(user).values_list("pk", flat=True))
        assert orm == expected[name], name


def test_identities_are_read_by_the_owning_practice_and_coordinators(
    users: dict[str, Any], ped_a: Any, ped_b: Any
) -> None:
    child_a = register_child(ped_a)
    child_b = register_child(ped_b, practice_code="DEMO-B", number="B-1")
    names = {
        "ped_a": {child_a.pk},
        "ped_b": {child_b.pk},
        "coord": {child_a.pk, child_b.pk},
        "epi": set(),
        "admin": set(),  # administrators manage the registry, they read no names
        "regional": {child_b.pk},
        "both": {child_a.pk, child_b.pk},
        "wrong_role": set(),
        "inactive": set(),
        "root": set(),
        "anonymous": set(),
    }
    for name, user in users.items():
        orm = set(PersonIdentity.objects.for_user(user).values_list("pk", flat=True))
        assert orm == names[name], name


def test_unknown_pseudonym_is_not_found(client: Any, ped_a: Any) -> None:
    register_child(ped_a)
    client.force_login(ped_a)
    assert client.get("/screening/children/FH-NOSUCHCHILD/").status_code == 404
