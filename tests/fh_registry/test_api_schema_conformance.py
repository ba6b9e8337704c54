"""The API answers as its published schema says. Schemathesis reads
/api/schema/ as a pediatrician, a coordinator and an epidemiologist read it,
sends each operation generated requests, valid and invalid, in this process
(Django's WSGI handler, the test's database), and fails on a server error or on
a status, content type or body the schema does not document."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.urls import resolve
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode, checks

from followup import services as followup_services
from followup.models import CareEpisode, ContactAttempt, Task
from interop import tasks as fhir_tasks
from interop.api import NoSuchFhirEndpointApi
from screening import services
from screening.models import Assessment, GeneticResult, LabResult
from tests import personas

pytestmark = pytest.mark.django_db

# Few and fixed: every operation for three roles in well under a minute on two
# cores, the same requests on every run (derandomized, nothing stored between
# runs, a failure reported as found rather than shrunk).
EXAMPLES_PER_OPERATION = 10
CONFORMANCE = settings(
    max_examples=EXAMPLES_PER_OPERATION,
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]


@pytest.fixture(autouse=True)
def _settings(settings: Any, tmp_path: Path) -> None:
    settings.ACTIVE_PAEDIATRIC_RULESET = "eas2026"
    settings.MEDIA_ROOT = tmp_path / "media"  # the bulk export's job folders


@pytest.fixture
def in_process_app() -> Iterator[WSGIHandler]:
    """Django's WSGI handler, called in the test's thread and transaction. As in
    Django's test client, a request does not close the database connection
    (that would end the transaction holding the test's rows)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def rows(ped_a: Any, ped_b: Any, coord: Any) -> dict[str, list[Any]]:
    """Real values for identifiers: Anna of DEMO-A (positive, so with an episode
    and tasks; a genetic result, her mother, a contact attempt), Ben of DEMO-B
    (negative), and the coordinator's finished bulk export."""
    anna = personas.register_child(ped_a)
    personas.record_result(
        ped_a, anna, total_cholesterol=Decimal("7.0"), ldl_cholesterol=Decimal("5.2")
    )
    services.record_genetic_result(
        acting_user=ped_a,
        person=anna,
        gene="LDLR",
        hgvs_c="c.1A>G",
        acmg_class="pathogenic",
        lab="Labor Nord",
        report_date=date(2026, 1, 10),
    )
    mother = services.register_parent(
        acting_user=ped_a,
        child=anna,
        sex="F",
        birth_date=date(1985, 5, 2),
        identity=services.IdentityEntry(given_name="Maria", family_name="Huber"),
    )
    followup_services.record_contact_attempt(
        person=anna, channel="phone", outcome="no_answer", acting_user=coord
    )
    ben = personas.register_child(
        ped_b, practice_code="DEMO-B", number="B-1", sex="M", given_name="Ben"
    )
    personas.record_result(ped_b, ben)
    job = fhir_tasks.start_bulk_export(acting_user=coord, since=None)
    fhir_tasks.run_bulk_export(job.id)
    return {
        "pseudonym": [anna.pseudonym, mother.pseudonym, ben.pseudonym],
        "lab-results": list(LabResult.objects.values_list("pk", flat=True)),
        "assessments": list(Assessment.objects.values_list("pk", flat=True)),
        "genetic-results": list(GeneticResult.objects.values_list("pk", flat=True)),
        "tasks": list(Task.objects.values_list("pk", flat=True)),
        "care-episodes": list(CareEpisode.objects.values_list("pk", flat=True)),
        "contact-attempts": list(ContactAttempt.objects.values_list("pk", flat=True)),
        "job_id": [job.id],
        "name": ["Patient.ndjson", "Observation.ndjson"],
    }


def _known(rows: dict[str, list[Any]], path: str, names: Any) -> dict[str, Any]:
    """Strategies for the path parameters `names` that name real rows."""
    values = {key: rows[key] for key in ("pseudonym", "job_id", "name")}
    collection = re.match(r"/api/v1/([a-z-]+)/\{id\}/", path)
    if collection and collection[1] in rows:
        values["id"] = rows[collection[1]]
    return {name: st.sampled_from(values[name]) for name in names if values.get(name)}


def _half_real(generated: Any, real: dict[str, Any]) -> Any:
    """The generated values, or the same with real ones put in."""
    if not real:
        return st.just(generated)
    return st.one_of(
        st.just(generated),
        st.fixed_dictionaries(real).map(lambda chosen: {**generated, **chosen}),
    )


def _schema_for(user: Any, rows: dict[str, list[Any]], app: WSGIHandler) -> Any:
    """The schema as `user` reads it; every request carries their token, and
    about half name a person (and a record in the path) that exists."""
    token, _ = Token.objects.get_or_create(user=user)
    auth = {"Authorization": f"Token {token.key}"}
    schema = schemathesis.openapi.from_wsgi(
        "/api/schema/",
        app,
        config=schemathesis.Config.from_dict({"headers": auth}),
        headers=auth,
    )

    @schema.hook
    def flatmap_path_parameters(context: Any, generated: Any) -> Any:
        if not isinstance(generated, dict):
            return st.just(generated)
        path = context.operation.path
        return _half_real(generated, _known(rows, path, generated))

    @schema.hook
    def flatmap_body(context: Any, body: Any) -> Any:
        if not isinstance(body, dict) or "person" not in body:
            return st.just(body)
        return _half_real(body, {"person": st.sampled_from(rows["pseudonym"])})

    return schema


def _exercise(operation: Any) -> None:
    """Generated requests, valid and invalid, each answered as documented."""

    @CONFORMANCE
    @given(
        case=st.one_of(
            operation.as_strategy(GenerationMode.POSITIVE),
            operation.as_strategy(GenerationMode.NEGATIVE),
        )
    )
    def answered_as_documented(case: Any) -> None:
        case.call_and_validate(checks=CHECKS)

    answered_as_documented()


@pytest.mark.parametrize("role", ["ped_a", "coord", "epi"])
def test_every_operation_answers_as_the_schema_documents(
    role: str,
    cast: dict[str, Any],
    rows: dict[str, list[Any]],
    in_process_app: WSGIHandler,
    subtests: Any,
) -> None:
    schema = _schema_for(cast[role], rows, in_process_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 36
    for operation in operations:
        with subtests.test(msg=operation.label):
            _exercise(operation)


def test_every_path_in_the_schema_is_served() -> None:
    """The schema names each operation by a path the registry serves (the FHIR
    operations keep their `$`)."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path in schema["paths"]:
        served = resolve(re.sub(r"\{[^}]+\}", "x1", path))
        assert getattr(served.func, "cls", None) is not NoSuchFhirEndpointApi, path


@pytest.mark.parametrize(
    ("path", "content_type", "body"),
    [
        ("/api/v1/statistics/FH-/", "application/json", {"detail": "Not found."}),
        (
            "/api/v1/fhir/Patient/FH-1/x/$everything",
            "application/fhir+json",
            {
                "resourceType": "OperationOutcome",
                "issue": [
                    {
                        "severity": "error",
                        "code": "not-found",
                        "diagnostics": "Not found.",
                    }
                ],
            },
        ),
    ],
)
def test_a_path_no_route_takes_is_answered_in_the_apis_format(
    ped_a: Any, path: str, content_type: str, body: dict[str, Any]
) -> None:
    response = personas.api_client_for(ped_a).get(path, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert response["Content-Type"] == content_type
    assert response.json() == body
