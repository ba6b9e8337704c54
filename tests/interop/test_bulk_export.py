"""The bulk export for a data integration centre: `fhir_export` and
`POST /api/v1/fhir/$export` write one NDJSON file per resource type, every line
a valid FHIR R4 resource, pseudonymised with study ids drawn per export; the
status and file endpoints answer the job's owner only (their role matrix)."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from datetime import timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from celery.contrib.testing.worker import start_worker
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone
from fhir.resources.R4B import get_fhir_model_class

from epidemiology.models import ExportRecord
from fh_registry.celery import app
from fh_registry.models import Membership, Practice, Role, User
from interop import bulk, tasks
from screening import services
from screening.models import LabResult, Person
from tests import personas
from tests.interop.conftest import days_ago

TYPES = ("Patient", "Observation", "RiskAssessment", "Condition", "FamilyMemberHistory")
STUDY_ID = re.compile(r"^[0-9a-f]{20}$")


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def read_export(folder: Path) -> dict[str, list[dict[str, Any]]]:
    return {kind: bulk.read_ndjson(folder / f"{kind}.ndjson") for kind in TYPES}


def references(resource: Any) -> Iterator[str]:
    """Every reference inside a resource."""
    if isinstance(resource, dict):
        for key, value in resource.items():
            if key == "reference" and isinstance(value, str):
                yield value
            else:
                yield from references(value)
    elif isinstance(resource, list):
        for item in resource:
            yield from references(item)


@pytest.fixture
def withdrawn(ped_a: Any) -> Person:
    child = personas.register_child(ped_a, number="A-9", given_name="Wanda")
    personas.record_result(ped_a, child)
    return services.withdraw_consent(acting_user=ped_a, person=child, on=days_ago(0))


@pytest.mark.django_db
def test_the_command_writes_valid_pseudonymised_ndjson(
    rich_child: Person, child_b: Person, ped_b: Any, withdrawn: Person, tmp_path: Path
) -> None:
    personas.record_result(ped_b, child_b)
    output = tmp_path / "dic"
    out = StringIO()

    call_command("fhir_export", "--output", str(output), stdout=out)

    exported = read_export(output)
    counts = {kind: len(listed) for kind, listed in exported.items()}
    # Anna, her mother and father, Ben; Wanda withdrew her consent.
    assert counts["Patient"] == 4
    assert counts["Observation"] == 9 + 1 + 4  # Anna's values, variant, Ben's
    assert counts["Condition"] == 1
    assert counts["FamilyMemberHistory"] == 1 + 2 + 2  # finding; Anna <-> parents
    for kind, listed in exported.items():
        for resource in listed:
            assert resource["resourceType"] == kind
            get_fhir_model_class(kind).model_validate(resource)
    patients = {p["id"] for p in exported["Patient"]}
    assert all(STUDY_ID.match(pk) for pk in patients)
    assert {p["birthDate"] for p in exported["Patient"]} == {"2016", "1985", "1983"}
    for listed in exported.values():
        for resource in listed:
            for reference in references(resource):
                if reference.startswith("Patient/"):
                    assert reference.removeprefix("Patient/") in patients
    text = "".join(
        (output / f"{kind}.ndjson").read_text(encoding="utf-8") for kind in TYPES
    )
    for person in Person.objects.all():
        assert person.pseudonym not in text
    for identifying in ("Anna", "Huber", "Wanda", '"A-1"', "L-0001", "L-0002"):
        assert identifying not in text
    record = ExportRecord.objects.get()
    assert (record.channel, record.kind, record.file_format) == (
        "command",
        "extract",
        "ndjson",
    )
    assert record.rows == sum(counts.values())
    manifest = "".join(
        f"{hashlib.sha256((output / f'{kind}.ndjson').read_bytes()).hexdigest()}"
        f"  {kind}.ndjson\n"
        for kind in TYPES
    )
    assert record.sha256 == hashlib.sha256(manifest.encode()).hexdigest()
    assert f"Wrote {record.rows} resources of 4 persons" in out.getvalue()


@pytest.mark.django_db
def test_two_exports_never_share_a_study_id(child_a: Person, tmp_path: Path) -> None:
    call_command("fhir_export", "--output", str(tmp_path / "one"), stdout=StringIO())
    call_command("fhir_export", "--output", str(tmp_path / "two"), stdout=StringIO())

    [first] = read_export(tmp_path / "one")["Patient"]
    [second] = read_export(tmp_path / "two")["Patient"]
    assert first["id"] != second["id"]


@pytest.mark.django_db
def test_since_keeps_the_persons_with_news(
    child_a: Person, child_b: Person, ped_a: Any, ped_b: Any, tmp_path: Path
) -> None:
    personas.record_result(ped_a, child_a)
    personas.record_result(ped_b, child_b)
    long_ago = timezone.now() - timedelta(days=400)
    # Ben was registered and sampled long ago (set up, not a registry write).
    Person.objects.filter(pk=child_b.pk).update(created_at=long_ago)
    LabResult.objects.filter(person=child_b).update(created_at=long_ago)

    since = str(days_ago(10))
    call_command(
        "fhir_export",
        "--output",
        str(tmp_path / "x"),
        "--since",
        since,
        stdout=StringIO(),
    )

    [patient] = read_export(tmp_path / "x")["Patient"]
    assert patient["gender"] == "female"  # Anna, not Ben
    assert ExportRecord.objects.get().parameters["since"] == since


@pytest.mark.django_db
def test_the_command_refuses_a_bad_date_and_a_used_folder(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="not a date"):
        call_command("fhir_export", "--output", str(tmp_path), "--since", "01.02.2026")
    (tmp_path / "old.ndjson").write_text("{}\n")
    with pytest.raises(CommandError, match="new or empty folder"):
        call_command("fhir_export", "--output", str(tmp_path))
    assert not ExportRecord.objects.exists()


# --- The API kick-off, the task and the status --------------------------------------


@pytest.fixture
def celery_worker(transactional_db: Any) -> Iterator[None]:
    with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING"):
        yield


def kick_off(user: User, query: str = "") -> str:
    response = personas.api_client_for(user).post(f"/api/v1/fhir/$export{query}")
    assert response.status_code == 202
    location = response["Content-Location"]
    assert location.startswith("http://testserver/api/v1/fhir/$export-status/")
    return location.rsplit("/", 1)[-1]


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_the_api_export_runs_as_a_task_with_a_bulk_data_manifest(
    celery_worker: None, rich_child: Person, coord: User
) -> None:
    job_id = kick_off(coord)
    # The kick-off published the job through the outbox; the solo worker runs
    # one task at a time, so this second run starts once the first is done.
    tasks.run_bulk_export.delay(job_id).get(timeout=120)
    client = personas.api_client_for(coord)

    status = client.get(f"/api/v1/fhir/$export-status/{job_id}")

    assert status.status_code == 200
    manifest = json.loads(status.content)
    assert manifest["requiresAccessToken"] is True
    outputs = {o["type"]: o for o in manifest["output"]}
    assert set(outputs) == set(TYPES)
    observations = client.get(outputs["Observation"]["url"])
    assert observations["Content-Type"] == "application/fhir+ndjson"
    lines = observations.getvalue().decode().splitlines()
    assert len(lines) == outputs["Observation"]["count"] == 10
    for line in lines:
        get_fhir_model_class("Observation").model_validate_json(line)
    record = ExportRecord.objects.get()
    assert (record.user, record.channel, record.file_format) == (coord, "api", "ndjson")
    assert tasks.load_job(job_id).progress == 100


@pytest.mark.django_db
def test_a_regional_coordinator_exports_their_practices_only(
    child_a: Person, child_b: Person, ped_a: Any, ped_b: Any
) -> None:
    coord_b = User.objects.create_user(username="coord_b", role=Role.COORDINATOR)
    Membership.objects.create(
        user=coord_b,
        practice=Practice.objects.get(code="DEMO-B"),
        role=Role.COORDINATOR,
    )
    personas.record_result(ped_a, child_a)
    personas.record_result(ped_b, child_b)
    job_id = kick_off(coord_b, "?_since=2020-01-01")

    tasks.run_bulk_export(job_id)

    job = tasks.load_job(job_id)
    assert (job.status, job.since) == ("completed", "2020-01-01")
    [patient] = bulk.read_ndjson(tasks.files_folder(job_id) / "Patient.ndjson")
    assert patient["gender"] == "male"  # Ben of DEMO-B


@pytest.mark.django_db
def test_a_running_export_answers_202_with_its_progress(coord: User) -> None:
    job_id = kick_off(coord)
    tasks.save_job(
        tasks.BulkJob(id=job_id, owner_id=coord.pk, status="running", progress=40)
    )

    status = personas.api_client_for(coord).get(f"/api/v1/fhir/$export-status/{job_id}")

    assert status.status_code == 202
    assert status["X-Progress"] == "40%"


@pytest.mark.django_db
def test_a_bad_since_is_refused(coord: User) -> None:
    response = personas.api_client_for(coord).post(
        "/api/v1/fhir/$export?_since=soon", HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 400
    outcome = json.loads(response.content)
    assert outcome["resourceType"] == "OperationOutcome"
    assert "YYYY-MM-DD" in outcome["issue"][0]["diagnostics"]


ROLES = ("anonymous", "ped_a", "ped_b", "coord", "coord_b", "epi", "admin")


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_only_the_owner_reads_an_export(role: str, cast: dict[str, Any]) -> None:
    """The role matrix of fhir:export-status and fhir:export-file: the job of
    coord answers coord; everyone else finds nothing (anonymous: 401)."""
    coord_b = User.objects.create_user(username="coord_b", role=Role.COORDINATOR)
    people = cast | {"coord_b": coord_b}
    job_id = kick_off(cast["coord"])
    tasks.run_bulk_export(job_id)
    client = Client()
    if role != "anonymous":
        client.force_login(people[role])
    expected = {"anonymous": 401, "coord": 200}.get(role, 404)

    status = client.get(f"/api/v1/fhir/$export-status/{job_id}")
    patients = client.get(f"/api/v1/fhir/$export-files/{job_id}/Patient.ndjson")

    assert status.status_code == expected
    assert patients.status_code == expected


@pytest.mark.django_db
def test_unknown_jobs_and_files_are_not_found(coord: User) -> None:
    client = personas.api_client_for(coord)
    job_id = kick_off(coord)
    base = "/api/v1/fhir/$export-files"

    assert client.get(f"/api/v1/fhir/$export-status/{'0' * 32}").status_code == 404
    assert client.get("/api/v1/fhir/$export-status/not-a-job").status_code == 404
    # Not finished yet: no file.
    assert client.get(f"{base}/{job_id}/Patient.ndjson").status_code == 404
    tasks.run_bulk_export(job_id)
    assert client.get(f"{base}/{job_id}/Patient.ndjson").status_code == 200
    assert client.get(f"{base}/{job_id}/job.json").status_code == 404
    assert client.get(f"{base}/{job_id}/..%2Fjob.json").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["ped_a", "epi"])
def test_pediatricians_and_epidemiologists_find_no_bulk_export(
    role: str, cast: dict[str, Any]
) -> None:
    response = personas.api_client_for(cast[role]).post("/api/v1/fhir/$export")

    assert response.status_code == 404
    assert not list((Path(tasks.jobs_dir())).glob("*"))
