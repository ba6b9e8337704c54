"""Role × practice × page/endpoint: every route answers each persona as intended.

An object outside a user's scope is a 404, never a 403; a write refused by role
(a pediatrician or administrator changing follow-up) is a 403 decided before any
lookup. Every named route of the project must appear here
(test_every_route_is_in_the_matrix), so a new page or endpoint cannot ship
without its row. Besides the demo cast, `coord_b` coordinates DEMO-B only, and
`lab_a` is DEMO-A's lab system: it sends its token to every route, may submit
lab results, lab files and FHIR Bundles for DEMO-A and read its own imports,
and gets a 403 from every other endpoint; no page takes its token (it is never
signed in).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from fh_registry.models import Membership, Practice, Role, User
from followup import services as followup_services
from followup.models import CareEpisode, Task
from screening import services
from screening.models import ImportBatch
from tests import personas
from tests.fh_registry.test_lab_tokens import FORBIDDEN
from tests.followup.test_cascade_scoping import MATRIX as CASCADE_MATRIX

ROLES = ("anonymous", "ped_a", "ped_b", "coord", "coord_b", "epi", "admin", "lab_a")
# Who has no session: sent to log in by every page behind login.
SIGNED_OUT = {"anonymous", "lab_a"}


@dataclass(frozen=True)
class Row:
    route: str
    path: Callable[[dict[str, Any]], str]
    expect: dict[str, int]  # role -> status; anonymous pages redirect (302)
    method: str = "get"
    body: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    multipart: bool = False  # an API body with a file


def _page(ok: set[str]) -> dict[str, int]:
    return {role: 200 if role in ok else 404 for role in ROLES} | dict.fromkeys(
        SIGNED_OUT, 302
    )


def _api(ok: set[str]) -> dict[str, int]:
    """Reads and writes the lab system may not make: 403 before any lookup."""
    return {role: 200 if role in ok else 404 for role in ROLES} | {
        "anonymous": 401,
        "lab_a": 403,
    }


def _lab_upload(o: dict[str, Any]) -> dict[str, Any]:
    sample = Path(__file__).parent / "data" / "import_sample.csv"
    return {
        "file": SimpleUploadedFile(sample.name, sample.read_bytes(), "text/csv"),
        "practice": "DEMO-A",
    }


def _lab_result(o: dict[str, Any]) -> dict[str, Any]:
    return personas.api_lab_result(o["child_a"].pseudonym)


def _fhir_lab_bundle(pseudonym: str) -> dict[str, Any]:
    """A transaction Bundle with one LDL-C value for the child `pseudonym`."""
    return {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "resource": {
                    "resourceType": "Observation",
                    "status": "final",
                    "code": {
                        "coding": [{"system": "http://loinc.org", "code": "18262-6"}]
                    },
                    "subject": {"reference": f"Patient/{pseudonym}"},
                    "effectiveDateTime": str(timezone.localdate()),
                    "valueQuantity": {
                        "value": 110,
                        "unit": "mg/dL",
                        "system": "http://unitsofmeasure.org",
                        "code": "mg/dL",
                    },
                    "specimen": {"reference": "#s"},
                    "contained": [
                        {
                            "resourceType": "Specimen",
                            "id": "s",
                            "type": {
                                "coding": [
                                    {
                                        "system": "http://snomed.info/sct",
                                        "code": "122555007",
                                    }
                                ]
                            },
                        }
                    ],
                },
                "request": {"method": "POST", "url": "Observation"},
            }
        ],
    }


def _form(ok: set[str]) -> dict[str, int]:
    """A page's form (POST): where it was sent from (302) for `ok`, else 404."""
    return {role: 302 if role in ok else 404 for role in ROLES} | dict.fromkeys(
        SIGNED_OUT, 302
    )


def _followup_write(done: int) -> dict[str, int]:
    """A follow-up API write on DEMO-A's records: DEMO-A's coordinators succeed;
    pediatricians and administrators are refused by role (403, before any
    lookup); coord_b finds no such record and epidemiologists no such endpoint."""
    return {
        "anonymous": 401,
        "ped_a": 403,
        "ped_b": 403,
        "coord": done,
        "coord_b": 404,
        "epi": 404,
        "admin": 403,
        "lab_a": 403,
    }


ALL_USERS = {"ped_a", "ped_b", "coord", "coord_b", "epi", "admin"}
PERSON_READERS = ALL_USERS - {"epi"}
A_READERS = {"ped_a", "coord", "admin"}  # who sees a DEMO-A child's records
COORDINATORS = {"coord", "coord_b"}
MATRIX = [
    Row("home", lambda o: "/", dict.fromkeys(ROLES, 302) | {"admin": 200}),
    # The lab system's two doors: a result for a DEMO-A child (entered by
    # pediatricians; coordinators and administrators enter none) and a lab file
    # for DEMO-A (imported by those who import lab files into DEMO-A).
    Row(
        "lab-result-list",
        lambda o: "/api/v1/lab-results/",
        _api({"ped_a", "lab_a"}) | {"ped_a": 201, "lab_a": 201},
        method="post",
        body=_lab_result,
    ),
    Row(
        "import-batch-list",
        lambda o: "/api/v1/imports/",
        _api(set()) | {"ped_a": 202, "coord": 202, "lab_a": 202},
        method="post",
        body=_lab_upload,
        multipart=True,
    ),
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
        _page({"ped_a", "ped_b", "coord", "coord_b"}),
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
    # The lab system follows its own imports only: not a DEMO-A batch uploaded
    # by hand (batch_a), but the one it sent (batch_lab).
    Row(
        "import-batch-list",
        lambda o: "/api/v1/imports/",
        _api(PERSON_READERS) | {"lab_a": 200},
    ),
    Row(
        "import-batch-detail",
        lambda o: f"/api/v1/imports/{o['batch_a'].pk}/",
        _api({"ped_a", "coord", "admin"}) | {"lab_a": 404},
    ),
    Row(
        "import-batch-detail",
        lambda o: f"/api/v1/imports/{o['batch_lab'].pk}/",
        _api({"ped_a", "coord", "admin"}) | {"lab_a": 200},
    ),
    Row("task-list", lambda o: "/api/v1/tasks/", _api(PERSON_READERS)),
    Row("task-detail", lambda o: f"/api/v1/tasks/{o['task_a'].pk}/", _api(A_READERS)),
    Row(
        "task-list",
        lambda o: "/api/v1/tasks/",
        _followup_write(201),
        method="post",
        body=lambda o: {
            "person": o["child_a"].pseudonym,
            "kind": "other",
            "due_date": str(timezone.localdate() + timedelta(days=7)),
        },
    ),
    Row(
        "task-claim",
        lambda o: f"/api/v1/tasks/{o['task_a'].pk}/claim/",
        _followup_write(200),
        method="post",
    ),
    Row(
        "task-complete",
        lambda o: f"/api/v1/tasks/{o['task_a'].pk}/complete/",
        _followup_write(200),
        method="post",
    ),
    Row(
        "task-reschedule",
        lambda o: f"/api/v1/tasks/{o['task_a'].pk}/reschedule/",
        _followup_write(200),
        method="post",
        body=lambda o: {"due_date": str(timezone.localdate() + timedelta(days=9))},
    ),
    Row("care-episode-list", lambda o: "/api/v1/care-episodes/", _api(PERSON_READERS)),
    Row(
        "care-episode-detail",
        lambda o: f"/api/v1/care-episodes/{o['episode_a'].pk}/",
        _api(A_READERS),
    ),
    Row(
        "care-episode-advance",
        lambda o: f"/api/v1/care-episodes/{o['episode_a'].pk}/advance/",
        _followup_write(200),
        method="post",
        body=lambda o: {"stage": "secondary_causes"},
    ),
    Row(
        "care-episode-close",
        lambda o: f"/api/v1/care-episodes/{o['episode_a'].pk}/close/",
        _followup_write(200),
        method="post",
        body=lambda o: {"outcome": "not_fh"},
    ),
    Row(
        "contact-attempt-list",
        lambda o: "/api/v1/contact-attempts/",
        _api(PERSON_READERS),
    ),
    Row(
        "contact-attempt-detail",
        lambda o: f"/api/v1/contact-attempts/{o['attempt_a'].pk}/",
        _api(A_READERS),
    ),
    Row(
        "contact-attempt-list",
        lambda o: "/api/v1/contact-attempts/",
        _followup_write(201),
        method="post",
        body=lambda o: {
            "person": o["child_a"].pseudonym,
            "channel": "phone",
            "outcome": "no_answer",
        },
    ),
    # The coordinators' pages: nobody else finds them; coord_b finds no DEMO-A
    # child or record.
    Row("followup:queue", lambda o: "/followup/queue/", _page(COORDINATORS)),
    Row("followup:dashboard", lambda o: "/followup/dashboard/", _page(COORDINATORS)),
    Row(
        "followup:person",
        lambda o: f"/followup/persons/{o['child_a'].pseudonym}/",
        _page({"coord"}),
    ),
    Row(
        "followup:queue-bulk",
        lambda o: "/followup/queue/bulk/",
        _form(COORDINATORS),
        method="post",
        body=lambda o: {"action": "assign", "tasks": [o["task_a"].pk]},
    ),
    Row(
        "followup:task-claim",
        lambda o: f"/followup/tasks/{o['task_a'].pk}/claim/",
        _form({"coord"}),
        method="post",
    ),
    Row(
        "followup:task-complete",
        lambda o: f"/followup/tasks/{o['task_a'].pk}/complete/",
        _form({"coord"}),
        method="post",
    ),
    Row(
        "followup:task-reschedule",
        lambda o: f"/followup/tasks/{o['task_a'].pk}/reschedule/",
        _form({"coord"}),
        method="post",
        body=lambda o: {"due_date": str(timezone.localdate() + timedelta(days=9))},
    ),
    Row(
        "followup:contact-attempt",
        lambda o: f"/followup/persons/{o['child_a'].pseudonym}/contact-attempts/",
        _form({"coord"}),
        method="post",
        body=lambda o: {"channel": "phone", "outcome": "reached"},
    ),
    Row(
        "followup:task-create",
        lambda o: f"/followup/persons/{o['child_a'].pseudonym}/tasks/",
        _form({"coord"}),
        method="post",
    ),
    Row(
        "followup:episode-open",
        lambda o: f"/followup/persons/{o['child_a'].pseudonym}/episodes/",
        _form({"coord"}),
        method="post",
    ),
    Row(
        "followup:episode-advance",
        lambda o: f"/followup/episodes/{o['episode_a'].pk}/advance/",
        _form({"coord"}),
        method="post",
        body=lambda o: {"stage": "secondary_causes"},
    ),
    Row(
        "followup:episode-close",
        lambda o: f"/followup/episodes/{o['episode_a'].pk}/close/",
        _form({"coord"}),
        method="post",
        body=lambda o: {"outcome": "not_fh"},
    ),
    Row("epidemiology:overview", lambda o: "/statistics/", _page({"epi", "admin"})),
    Row(
        "epidemiology:export-table",
        lambda o: "/statistics/exports/table/",
        _form({"epi", "admin"}),
        method="post",
        body=lambda o: {
            "table-table": "outcomes",
            "table-ruleset": "eas2026",
            "table-file_format": "csv",
        },
    ),
    Row(
        "epidemiology:export-report",
        lambda o: "/statistics/exports/report/",
        _form({"epi", "admin"}),
        method="post",
        body=lambda o: {"report-ruleset": "eas2026", "report-language": "en"},
    ),
    Row("statistics-list", lambda o: "/api/v1/statistics/", _api({"epi", "admin"})),
    Row(
        "statistics-detail",
        lambda o: "/api/v1/statistics/outcomes_by_ruleset/",
        _api({"epi", "admin"}),
    ),
    # FHIR: the CapabilityStatement is open (clients read it before signing
    # in); $everything reads as the persons API; a Bundle of lab results is
    # posted by those who import lab files into their practice; the bulk
    # export is for coordinators and administrators (docs/fhir.md).
    # A lab token opens nothing but its doors for results (the lab-results
    # API, lab files and Bundles), the open metadata included.
    Row(
        "fhir:metadata",
        lambda o: "/api/v1/fhir/metadata",
        dict.fromkeys(ROLES, 200) | {"lab_a": 403},
    ),
    Row(
        "fhir:patient-everything",
        lambda o: f"/api/v1/fhir/Patient/{o['child_a'].pseudonym}/$everything",
        _api({"ped_a", "coord", "admin"}),
    ),
    Row(
        "fhir:bundle",
        lambda o: "/api/v1/fhir/?practice=DEMO-A",
        _api({"ped_a", "coord"}) | {"lab_a": 200},
        method="post",
        body=lambda o: _fhir_lab_bundle(o["child_a"].pseudonym),
    ),
    Row(
        "fhir:export",
        lambda o: "/api/v1/fhir/$export",
        _api(set()) | {"coord": 202, "coord_b": 202, "admin": 202},
        method="post",
    ),
    # One's own account: every signed-in user, whatever the role.
    Row("password_change", lambda o: "/accounts/password/", _page(ALL_USERS)),
    Row("password_change_done", lambda o: "/accounts/password/done/", _page(ALL_USERS)),
    Row("mfa-enrol", lambda o: "/accounts/mfa/setup/", _page(ALL_USERS)),
    # Without a device the code page sends everyone to the set-up first.
    Row("mfa-verify", lambda o: "/accounts/mfa/", dict.fromkeys(ROLES, 302)),
    # The relatives' answer page needs no account and shows nothing without a code.
    Row("answer:answer", lambda o: "/answer/", dict.fromkeys(ROLES, 200)),
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
    "coord_b": {"b"},
    "admin": {"a", "b"},
    "epi": set(),
    "anonymous": set(),
    "lab_a": set(),  # batch_a was uploaded by hand, not by the lab
}

# Routes that are not practice data: authentication, language, admin site.
NOT_IN_MATRIX = {
    "login",
    "logout",
    "set_language",
    "set-display-unit",
    "api-root-format",
}

# Routes whose role matrix lives beside the fixtures they need (a family with
# invitations, a finished export job): the route -> the test module that sends
# every role to it. test_every_route_is_in_the_matrix counts them as covered.
MATRIX_ELSEWHERE = {
    "followup:letter-family": "tests/followup/test_letters.py",
    "followup:letter-invitation": "tests/followup/test_letters.py",
    "followup:letters-pending": "tests/followup/test_letters.py",
    "epidemiology:export-detail": "tests/epidemiology/test_pages.py",
    "epidemiology:export-status": "tests/epidemiology/test_pages.py",
    "epidemiology:export-download": "tests/epidemiology/test_pages.py",
    "fhir:export-status": "tests/interop/test_bulk_export.py",
    "fhir:export-file": "tests/interop/test_bulk_export.py",
} | {row.route: "tests/followup/test_cascade_scoping.py" for row in CASCADE_MATRIX}


def _client(role: str, people: dict[str, Any]) -> Client:
    if role == "lab_a":  # a token on every request, as a lab system sends it
        return Client(HTTP_AUTHORIZATION=f"Token {people['lab_a'].key}")
    client = Client()
    if role != "anonymous":
        client.force_login(people[role])
    return client


def _send(client: Client, row: Row, objects: dict[str, Any]) -> Any:
    path = row.path(objects)
    if row.method == "get":
        return client.get(path)
    body = row.body(objects) if row.body else {}
    if path.startswith("/api/") and not row.multipart:
        return client.post(path, body, content_type="application/json")
    return client.post(path, body)


@pytest.fixture
def people(cast: dict[str, Any]) -> dict[str, Any]:
    """The demo cast, coord_b, a coordinator for DEMO-B only, and lab_a, DEMO-A's
    lab system (its issued token)."""
    coord_b = User.objects.create_user(username="coord_b", role=Role.COORDINATOR)
    Membership.objects.create(
        user=coord_b,
        practice=Practice.objects.get(code="DEMO-B"),
        role=Role.COORDINATOR,
    )
    return cast | {"coord_b": coord_b, "lab_a": personas.lab_token("DEMO-A")}


# EAS 2026: LDL-C above 4.5 mmol/L is positive; the result opens a care episode
# with a repeat_lipids task.
FLAGGED = {"total_cholesterol": Decimal("7.0"), "ldl_cholesterol": Decimal("5.2")}


@pytest.fixture
def objects(people: dict[str, Any], settings: Any, tmp_path: Path) -> dict[str, Any]:
    settings.ACTIVE_PAEDIATRIC_RULESET = "eas2026"
    settings.MEDIA_ROOT = tmp_path  # uploaded lab files
    cast = people
    objects: dict[str, Any] = {}
    for key, user, code in (("a", "ped_a", "DEMO-A"), ("b", "ped_b", "DEMO-B")):
        child = personas.register_child(cast[user], practice_code=code, number=key)
        recorded = services.record_lab_result(
            acting_user=cast[user], person=child, entry=personas.lab_entry(**FLAGGED)
        )
        assert recorded.assessment.outcome == "positive"
        objects[f"child_{key}"] = child
        objects[f"result_{key}"] = recorded.lab_result
        objects[f"assessment_{key}"] = recorded.assessment
        objects[f"episode_{key}"] = CareEpisode.objects.get(person=child)
        objects[f"task_{key}"] = Task.objects.get(person=child, kind="repeat_lipids")
        objects[f"attempt_{key}"] = followup_services.record_contact_attempt(
            person=child, channel="phone", outcome="reached", acting_user=cast["coord"]
        )
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
    objects["batch_lab"] = ImportBatch.objects.create(
        practice=Practice.objects.get(code="DEMO-A"),
        file_name="sent-by-the-lab-system.csv",
        sha256="c" * 64,
        uploaded_by=people["lab_a"].token.user,
        status="completed",
    )
    return objects


def _row_id(row: Row) -> str:
    return row.route if row.method == "get" else f"{row.route}:{row.method}"


@pytest.mark.django_db
@pytest.mark.parametrize("row", MATRIX, ids=_row_id)
@pytest.mark.parametrize("role", ROLES)
def test_route_answers_each_role(
    row: Row, role: str, people: dict[str, Any], objects: dict[str, Any]
) -> None:
    response = _send(_client(role, people), row, objects)
    assert response.status_code == row.expect[role], (row.route, role)
    if response.status_code == 302:
        # Those without a session are sent to log in, signed-in users never are.
        to_login = response["Location"].startswith("/accounts/login/")
        assert to_login == (role in SIGNED_OUT), (row.route, role)
    if role == "lab_a" and response.status_code == 403:
        # The reason, wherever the answer is not an HTML page (the API docs).
        is_page = response["Content-Type"].startswith("text/html")
        assert is_page or FORBIDDEN.encode() in response.content, row.route
    if response.status_code == 200 and row.route.endswith("-list"):
        # Lists hold exactly the in-scope records: never the other practice's
        # (the statistics list holds tables, so no record of either).
        if row.route == "statistics-list":
            body = response.content.decode()
            assert objects["child_a"].pseudonym not in body
            assert objects["child_b"].pseudonym not in body
            return
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
    covered = {row.route for row in MATRIX} | NOT_IN_MATRIX | set(MATRIX_ELSEWHERE)
    assert routes - covered == set()


def test_the_matrices_elsewhere_exist() -> None:
    from pathlib import Path  # noqa: PLC0415

    root = Path(__file__).resolve().parents[1]
    for route, module in MATRIX_ELSEWHERE.items():
        assert (root / module).is_file(), (route, module)
