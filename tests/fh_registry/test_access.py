"""The practice scope rendered as SQL keeps exactly the rows the ORM filter keeps."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection

from fh_registry.access import identity_scope_sql, practice_scope_sql
from fh_registry.models import Membership, Practice, Role, User
from screening.models import Person, PersonIdentity
from screening.queries import person_in_scope
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


def _ids(query: str, params: dict[str, Any]) -> set[int]:
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return {row[0] for row in cursor.fetchall()}


def _seen_by_sql(user: Any) -> set[int]:
    scope, params = practice_scope_sql(user, "practice_id")
    return _ids(f"SELECT id FROM screening_person WHERE {scope}", params)


def test_sql_scope_matches_the_orm_scope_for_every_kind_of_user(
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
        assert _seen_by_sql(user) == orm, name
        for child in (child_a, child_b):
            found = person_in_scope(user, child.pseudonym)
            assert (found is not None) == (child.pk in orm), (name, child)
            if found is not None:
                assert found.pk == child.pk
                assert found.practice_id == child.practice_id


def _identities_by_sql(user: Any) -> set[int]:
    scope, params = identity_scope_sql(user, "p.practice_id")
    return _ids(
        "SELECT i.person_id FROM screening_personidentity i"
        f" JOIN screening_person p ON p.id = i.person_id WHERE {scope}",
        params,
    )


def test_sql_identity_scope_matches_the_orm_scope(
    users: dict[str, Any], ped_a: Any, ped_b: Any
) -> None:
    child_a = register_child(ped_a)
    child_b = register_child(ped_b, practice_code="DEMO-B", number="B-1")
    names = {"ped_a": {child_a.pk}, "coord": {child_a.pk, child_b.pk}, "admin": set()}
    for name, user in users.items():
        orm = set(PersonIdentity.objects.for_user(user).values_list("pk", flat=True))
        if name in names:
            assert orm == names[name], name
        assert _identities_by_sql(user) == orm, name


def test_unknown_pseudonym_is_not_found(ped_a: Any) -> None:
    register_child(ped_a)
    assert person_in_scope(ped_a, "FH-NOSUCHCHILD") is None
