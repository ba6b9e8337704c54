"""Every page and endpoint of the family and cascade × every role: a practice
sees its own families only, an epidemiologist none; out of scope is a 404,
never a 403. `coord_b` coordinates DEMO-B only.

Central matrix (tests/test_scoping_matrix.py) rows for these routes are
expected there too; this file tells the stories behind them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from fh_registry.models import Membership, Practice, Role, User
from tests.followup.test_family_page import Family, three_generations
from tests.personas import api_client_for

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "ped_a", "ped_b", "coord", "coord_b", "epi", "admin")


@dataclass(frozen=True)
class Row:
    route: str
    path: Callable[[Family], str]
    expect: dict[str, int]
    method: str = "get"
    body: Callable[[Family], dict[str, Any]] | None = None


def _page(ok: set[str], done: int = 200) -> dict[str, int]:
    """Anonymous visitors are sent to log in (302); `ok` gets `done`."""
    return {role: done if role in ok else 404 for role in ROLES} | {"anonymous": 302}


def _api(ok: set[str], done: int = 200) -> dict[str, int]:
    return {role: done if role in ok else 404 for role in ROLES} | {"anonymous": 401}


FAMILY_READERS = {"ped_a", "coord"}  # DEMO-A's pediatrician, all-practice coord


def _new_parent(f: Family) -> dict[str, Any]:
    return {
        "parent-child": f.father.pseudonym,
        "parent-parent": "M",
        "parent-birth_date": "1950-01-01",
        "parent-given_name": "Otto",
        "parent-family_name": "Huber",
    }


def _new_child(f: Family) -> dict[str, Any]:
    return {
        "child-mother": f.grandmother.pseudonym,
        "child-father": f.grandfather.pseudonym,
        "child-sex": "F",
        "child-birth_date": "1988-01-01",
        "child-given_name": "Tante",
        "child-family_name": "Huber",
    }


def _new_relative(f: Family) -> dict[str, Any]:
    return {
        "mother": f.mother.pseudonym,
        "father": f.father.pseudonym,
        "sex": "F",
        "birth_date": "2019-01-01",
        "given_name": "Mia",
        "family_name": "Huber",
    }


MATRIX = [
    Row(
        "followup:family",
        lambda f: f"/followup/families/{f.child.pseudonym}/",
        _page(FAMILY_READERS),
    ),
    Row(
        "followup:family-parent-add",
        lambda f: f"/followup/families/{f.child.pseudonym}/parents/",
        _page(FAMILY_READERS, done=302),
        method="post",
        body=_new_parent,
    ),
    Row(
        "followup:family-child-add",
        lambda f: f"/followup/families/{f.child.pseudonym}/children/",
        _page(FAMILY_READERS, done=302),
        method="post",
        body=_new_child,
    ),
    Row(
        "followup:family-vital-status",
        lambda f: f"/followup/families/{f.child.pseudonym}/vital-status/",
        _page(FAMILY_READERS, done=302),
        method="post",
        body=lambda f: {"vital-member": f.father.pseudonym, "vital-deceased": "on"},
    ),
    Row(
        "followup:invitation-state",
        lambda f: f"/followup/invitations/{f.invitation_of(f.sibling).pk}/state/",
        _page({"coord"}, done=302),
        method="post",
        body=lambda f: {"state": "invited"},
    ),
    Row(
        "followup:cascade-yield",
        lambda f: "/followup/cascade/yield/",
        _page({"coord", "coord_b"}),
    ),
    Row(
        "family-detail",
        lambda f: f"/api/v1/families/{f.child.pseudonym}/",
        _api(FAMILY_READERS | {"admin"}),
    ),
    Row(
        "person-list",
        lambda f: "/api/v1/persons/",
        _api(FAMILY_READERS, done=201),
        method="post",
        body=_new_relative,
    ),
]


@pytest.fixture
def people(cast: dict[str, Any]) -> dict[str, Any]:
    coord_b = User.objects.create_user(username="coord_b", role=Role.COORDINATOR)
    Membership.objects.create(
        user=coord_b,
        practice=Practice.objects.get(code="DEMO-B"),
        role=Role.COORDINATOR,
    )
    return cast | {"coord_b": coord_b}


@pytest.fixture
def family(ped_a: Any, child_a: Any, settings: Any) -> Family:
    settings.ACTIVE_PAEDIATRIC_RULESET = "eas2026"
    return three_generations(ped_a, child_a)


def _send(role: str, people: dict[str, Any], row: Row, family: Family) -> Any:
    path = row.path(family)
    body = row.body(family) if row.body else {}
    if path.startswith("/api/"):
        api = api_client_for(people[role]) if role != "anonymous" else APIClient()
        if row.method == "get":
            return api.get(path)
        return api.post(path, body, format="json")
    client = Client()
    if role != "anonymous":
        client.force_login(people[role])
    return client.get(path) if row.method == "get" else client.post(path, body)


@pytest.mark.parametrize(
    "row",
    MATRIX,
    ids=lambda r: f"{r.route}:{r.method}" if r.method != "get" else r.route,
)
@pytest.mark.parametrize("role", ROLES)
def test_each_role_finds_what_its_scope_allows(
    row: Row, role: str, people: dict[str, Any], family: Family
) -> None:
    response = _send(role, people, row, family)
    assert response.status_code == row.expect[role], (row.route, role)
    if response.status_code == 302:
        to_login = response["Location"].startswith("/accounts/login/")
        assert to_login == (role == "anonymous"), (row.route, role)


def test_ped_b_opening_ped_a_s_family_gets_a_404_like_no_family(
    people: dict[str, Any], family: Family
) -> None:
    client = Client()
    client.force_login(people["ped_b"])
    for path in (
        f"/followup/families/{family.child.pseudonym}/",
        "/followup/families/FH-NOSUCHONE/",
    ):
        assert client.get(path).status_code == 404
    api = api_client_for(people["ped_b"])
    assert api.get(f"/api/v1/families/{family.mother.pseudonym}/").status_code == 404
    # A link to a person out of scope is refused as if they did not exist.
    response = api.post("/api/v1/persons/", _new_relative(family), format="json")
    assert response.status_code == 404


def test_the_yield_page_holds_only_the_coordinator_s_practices(
    people: dict[str, Any], family: Family, ped_b: Any, child_b: Any
) -> None:
    three_generations(ped_b, child_b)
    pages = {}
    for role in ("coord", "coord_b"):
        client = Client()
        client.force_login(people[role])
        pages[role] = client.get("/followup/cascade/yield/").content.decode()
    assert family.child.pseudonym in pages["coord"]
    assert child_b.pseudonym in pages["coord"]
    assert family.child.pseudonym not in pages["coord_b"]
    assert child_b.pseudonym in pages["coord_b"]
