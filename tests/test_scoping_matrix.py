"""Role × practice × page/endpoint: every route answers each persona as intended.

An object outside a user's scope is a 404, never a 403. Every named route of the
project must appear here (test_every_route_is_in_the_matrix), so a new page or
endpoint cannot ship without its row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from fh_registry.models import Practice
from screening import services
from screening.models import ImportBatch
from tests import personas

ROLES = ("anonymous", "ped_a", "ped_b", "coord", "epi", "admin")


@dataclass(frozen=True)
class Row:
    route: str
    path: Callable[[dict[str, Any]], str]
    expect: dict[str, int]  # role -> status; anonymous pages redirect (302)
    method: str = "get"


def _page(ok: set[str]) -> dict[str, int]:
    return {role: 200 if role in ok else 404 for role in ROLES} | {"anonymous": 302}


def _api(ok: set[str]) -> dict[str, int]:
    return {role: 200 if role in ok else 404 for role in ROLES} | {"anonymous": 401}


ALL_USERS = {"ped_a", "ped_b", "coord", "epi", "admin"}
PERSON_READERS = ALL_USERS - {"epi"}
MATRIX = [
    Row("home", lambda o: "/", dict.fromkeys(ROLES, 302) | {"admin": 200}),
    Row(
        "screening:person-list",
        lambda o: "/screening/children/",
        _page({"ped_a", "ped_b"}),
    ),
    Row(
        "screening:person-register",
        lambda o: "/screening/children/register/",
        _page({"ped_a", "ped_b"}),
    ),
    Row(
        "screening:person-detail",
        lambda o: f"/screening/children/{o['child_a'].pseudonym}/",
        _page({"ped_a", "coord", "admin"}),
    ),
    Row(
        "screening:labresult-create",
        lambda o: f"/screening/children/{o['child_a'].pseudonym}/results/new/",
        _page({"ped_a"}),
    ),
    Row(
        "screening:familyhistory-create",
        lambda o: f"/screening/children/{o['child_a'].pseudonym}/family-history/new/",
        _page({"ped_a"}),
    ),
    Row(
        "screening:geneticresult-create",
        lambda o: f"/screening/children/{o['child_a'].pseudonym}/genetic-results/new/",
        _page({"ped_a"}),
    ),
    Row(
        "screening:person-complete",
        lambda o: f"/screening/children/{o['child_a'].pseudonym}/complete/",
        _page({"ped_a"}),
    ),
    Row(
        "screening:parent-create",
        lambda o: f"/screening/children/{o['child_a'].pseudonym}/parents/new/",
        _page({"ped_a"}),
    ),
    Row(
        "screening:person-history",
        lambda o: f"/screening/children/{o['child_a'].pseudonym}/history/",
        _page({"ped_a", "admin"}),
    ),
    Row("person-list", lambda o: "/api/v1/persons/", _api(PERSON_READERS)),
    Row(
        "person-detail",
        lambda o: f"/api/v1/persons/{o['child_a'].pseudonym}/",
        _api({"ped_a", "coord", "admin"}),
    ),
    Row("lab-result-list", lambda o: "/api/v1/lab-results/", _api(PERSON_READERS)),
    Row(
        "lab-result-detail",
        lambda o: f"/api/v1/lab-results/{o['result_a'].pk}/",
        _api({"ped_a", "coord", "admin"}),
    ),
    Row("assessment-list", lambda o: "/api/v1/assessments/", _api(PERSON_READERS)),
    Row(
        "assessment-detail",
        lambda o: f"/api/v1/assessments/{o['assessment_a'].pk}/",
        _api({"ped_a", "coord", "admin"}),
    ),
    Row(
        "genetic-result-list",
        lambda o: "/api/v1/genetic-results/",
        _api(PERSON_READERS),
    ),
    Row(
        "genetic-result-detail",
        lambda o: f"/api/v1/genetic-results/{o['genetic_a'].pk}/",
        _api({"ped_a", "coord", "admin"}),
    ),
    Row(
        "imports:batch-list",
        lambda o: "/screening/imports/",
        _page({"ped_a", "ped_b", "coord"}),
    ),
    Row(
        "imports:batch-detail",
        lambda o: f"/screening/imports/{o['batch_a'].pk}/",
        _page({"ped_a", "coord"}),
    ),
    Row(
        "imports:batch-status",
        lambda o: f"/screening/imports/{o['batch_a'].pk}/status/",
        _page({"ped_a", "coord"}),
    ),
    Row(
        "imports:batch-report",
        lambda o: f"/screening/imports/{o['batch_a'].pk}/report.csv",
        _page({"ped_a", "coord"}),
    ),
    Row("import-batch-list", lambda o: "/api/v1/imports/", _api(PERSON_READERS)),
    Row(
        "import-batch-detail",
        lambda o: f"/api/v1/imports/{o['batch_a'].pk}/",
        _api({"ped_a", "coord", "admin"}),
    ),
    Row("followup:queue", lambda o: "/followup/queue/", _page({"coord"})),
    Row("epidemiology:overview", lambda o: "/statistics/", _page({"epi", "admin"})),
    Row("api-root", lambda o: "/api/v1/", _api(ALL_USERS)),
    Row("api-schema", lambda o: "/api/schema/", _api(ALL_USERS)),
    Row("api-docs", lambda o: "/api/docs/", _api(ALL_USERS)),
    Row("health", lambda o: "/healthz", dict.fromkeys(ROLES, 200)),
]

# Which demo practice's children each role finds in a list.
LIST_SCOPE = {
    "ped_a": {"a"},
    "ped_b": {"b"},
    "coord": {"a", "b"},
    "admin": {"a", "b"},
    "epi": set(),
    "anonymous": set(),
}

# Routes that are not practice data: authentication, language, admin site.
NOT_IN_MATRIX = {
    "login",
    "logout",
    "set_language",
    "set-display-unit",
    "api-root-format",
}


def _client(role: str, cast: dict[str, Any]) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(cast[role])
    return client


@pytest.fixture
def objects(cast: dict[str, Any]) -> dict[str, Any]:
    objects: dict[str, Any] = {}
    for key, user, code in (("a", "ped_a", "DEMO-A"), ("b", "ped_b", "DEMO-B")):
        child = personas.register_child(cast[user], practice_code=code, number=key)
        recorded = services.record_lab_result(
            acting_user=cast[user], person=child, entry=personas.lab_entry()
        )
        objects[f"child_{key}"] = child
        objects[f"result_{key}"] = recorded.lab_result
        objects[f"assessment_{key}"] = recorded.assessment
        objects[f"genetic_{key}"] = services.record_genetic_result(
            acting_user=cast[user],
            person=child,
            gene="LDLR",
            hgvs_c="c.1A>G",
            acmg_class="vus",
            lab="Lab",
            report_date=date(2026, 1, 5),
        )
        objects[f"batch_{key}"] = ImportBatch.objects.create(
            practice=Practice.objects.get(code=code),
            file_name=f"{key}.csv",
            sha256=key * 64,
            uploaded_by=cast[user],
            status="completed",
        )
    return objects


@pytest.mark.django_db
@pytest.mark.parametrize("row", MATRIX, ids=lambda row: row.route)
@pytest.mark.parametrize("role", ROLES)
def test_route_answers_each_role(
    row: Row, role: str, cast: dict[str, Any], objects: dict[str, Any]
) -> None:
    response = getattr(_client(role, cast), row.method)(row.path(objects))
    assert response.status_code == row.expect[role], (row.route, role)
    if response.status_code == 302 and role == "anonymous":
        assert response["Location"].startswith("/accounts/login/")
    if response.status_code == 200 and row.route.endswith("-list"):
        # Lists hold exactly the in-scope records: never the other practice's.
        body = response.content.decode()
        for key in ("a", "b"):
            marker = (
                objects[f"batch_{key}"].file_name
                if "batch" in row.route
                else objects[f"child_{key}"].pseudonym
            )
            visible = key in LIST_SCOPE[role]
            assert (marker in body) == visible, (row.route, role, key)


def _named_routes(patterns: list[Any], namespace: str = "") -> set[str]:
    names: set[str] = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue
            inner = (
                f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            )
            names |= _named_routes(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(f"{namespace}{pattern.name}")
    return names


def test_every_route_is_in_the_matrix() -> None:
    routes = _named_routes(get_resolver().url_patterns)
    covered = {row.route for row in MATRIX} | NOT_IN_MATRIX
    assert routes - covered == set()
