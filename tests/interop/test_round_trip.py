"""A round trip: a child with results, assessments, a genetic result, family
findings and registered parents, exported as FHIR ($everything) and imported as
a transaction Bundle

- into an empty registry: a second PostgreSQL database created and migrated
  next to the test database, with only the demo practices and users
  (`seed_demo --children 0`), the Bundle imported by `manage.py fhir_import`
  and the child read back from there by a child process;
- into another practice of the same registry, through POST /api/v1/fhir/;

gives the same clinical data: the results as entered, the genetic result, the
family findings, the current assessment per rule set, and the same Observations
when exported again. Registered relatives travel as FamilyMemberHistory (they
are persons of the sending practice): the receiving registry takes them as no
persons, and the child's confirmed diagnosis as no Condition; its own pathway
opens a care episode for the child."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg
import pytest
from django.db import connection
from psycopg import sql

from screening.models import Person
from tests import personas
from tests.interop import clinical_record

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
PATIENT_RECORD = (
    "http://hl7.org/fhir/StructureDefinition/familymemberhistory-patient-record"
)


def everything(user: Any, person: Person) -> dict[str, Any]:
    response = personas.api_client_for(user).get(
        f"/api/v1/fhir/Patient/{person.pseudonym}/$everything"
    )
    assert response.status_code == 200
    return json.loads(response.content)


def of_type(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind
    ]


def registered_relatives(bundle: dict[str, Any]) -> list[dict[str, Any]]:
    """The FamilyMemberHistory of registered relatives (linked to their Patient)."""
    return [r for r in of_type(bundle, "FamilyMemberHistory") if "extension" in r]


def sent(resources: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": kind,
        "entry": [
            {
                "fullUrl": f"urn:uuid:{uuid.uuid4()}",
                "resource": resource,
                "request": {"method": "POST", "url": resource["resourceType"]},
            }
            for resource in resources
        ],
    }


def as_transaction(bundle: dict[str, Any], patient_number: str) -> dict[str, Any]:
    """What a receiving registry takes: the Patient (with the receiving
    practice's number), the Observations and the family findings; assessments
    and the Condition are derived there, registered relatives are not persons
    of the receiving practice."""
    entries = []
    for entry in bundle["entry"]:
        resource = dict(entry["resource"])
        kind = resource["resourceType"]
        if kind in ("RiskAssessment", "Condition"):
            continue
        if kind == "FamilyMemberHistory" and "extension" in resource:
            continue
        if kind == "Patient":
            resource["identifier"] = [
                {
                    "system": "urn:fh-registry:practice-patient-number",
                    "value": patient_number,
                }
            ]
        entries.append(
            {
                "fullUrl": entry["fullUrl"],
                "resource": resource,
                "request": {"method": "POST", "url": kind},
            }
        )
    return {"resourceType": "Bundle", "type": "transaction", "entry": entries}


class EmptyRegistry:
    """A registry of its own: a fresh database next to the test database, run
    by `manage.py` in child processes (Django's connections stay apart)."""

    def __init__(self, name: str, media: Path) -> None:
        params = connection.settings_dict
        password = (
            f":{quote(params['PASSWORD'], safe='')}" if params["PASSWORD"] else ""
        )
        self.server = (
            f"postgres://{params['USER'] or 'postgres'}{password}@"
            f"{params['HOST'] or '127.0.0.1'}:{params['PORT'] or 5432}"
        )
        self.name = name
        self.env = {
            **os.environ,
            "DJANGO_ENV": "test",
            "DATABASE_URL": f"{self.server}/{name}",
            # Follow-up work is queued in this registry alone, never sent.
            "CELERY_BROKER_URL": "memory://localhost/",
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "MEDIA_ROOT": str(media),
            "LANGUAGE_CODE": "en",
            # The log goes to standard output, beside the answers read here.
            "LOG_LEVEL": "WARNING",
        }

    def admin(self, statement: sql.Composed) -> None:
        with psycopg.connect(f"{self.server}/postgres", autocommit=True) as db:
            db.execute(statement)

    def create(self) -> None:
        self.admin(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.name)))
        self.manage("migrate", "-v0")
        self.manage("seed_demo", "--children", "0")

    def drop(self) -> None:
        self.admin(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(self.name)
            )
        )

    def manage(self, *arguments: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [sys.executable, "manage.py", *arguments],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return done

    def fhir_import(self, bundle: dict[str, Any], folder: Path) -> dict[str, Any]:
        path = folder / f"bundle-{uuid.uuid4().hex[:8]}.json"
        path.write_text(json.dumps(bundle))
        done = self.manage(
            "fhir_import", str(path), "--practice", "DEMO-B", "--user", "ped_b"
        )
        return json.loads(done.stdout)

    def record(self, patient_number: str) -> dict[str, Any]:
        done = self.manage(
            "shell",
            "-v",
            "0",
            "-c",
            "from tests.interop.clinical_record import write_record; "
            f"write_record({patient_number!r})",
        )
        return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture
def empty_registry(tmp_path: Path) -> Iterator[EmptyRegistry]:
    registry = EmptyRegistry(
        f"{connection.settings_dict['NAME']}_empty_{uuid.uuid4().hex[:8]}",
        tmp_path / "media",
    )
    try:
        registry.create()
        yield registry
    finally:
        registry.drop()


def test_a_child_imported_into_an_empty_registry_keeps_its_clinical_data(
    rich_child: Person, ped_a: Any, empty_registry: EmptyRegistry, tmp_path: Path
) -> None:
    exported = everything(ped_a, rich_child)

    answer = empty_registry.fhir_import(as_transaction(exported, "B-77"), tmp_path)
    relatives = registered_relatives(exported)
    refused = empty_registry.fhir_import(sent(relatives, "batch"), tmp_path)
    received = empty_registry.record("B-77")

    assert answer["type"] == "transaction-response"
    assert {e["response"]["status"] for e in answer["entry"]} == {"201 Created"}
    original = clinical_record.record(rich_child)
    clinical = original["clinical"]
    assert clinical["genetic"]  # the comparisons below compare something
    assert len(clinical["results"]) == 2
    assert clinical["family_history"] == ["parent_high_cholesterol"]
    assert clinical["current_assessment"]["eas2026"][0] == "definite"
    assert received["clinical"] == clinical
    assert len(original["observations"]) == 10  # 9 lipid values, 1 variant
    assert received["observations"] == original["observations"]
    # The registered parents travel as FamilyMemberHistory: relationship, sex,
    # birth year, vital status, FH if affected, a link to their own Patient.
    mother, father = rich_child.mother, rich_child.father
    assert mother is not None
    assert father is not None
    assert [
        (
            r["relationship"]["coding"][0]["code"],
            r["sex"]["coding"][0]["code"],
            r["bornString"],
            r["extension"][0],
        )
        for r in relatives
    ] == [
        (
            "FTH",
            "male",
            "1983",
            {
                "url": PATIENT_RECORD,
                "valueReference": {"reference": f"Patient/{father.pseudonym}"},
            },
        ),
        (
            "MTH",
            "female",
            "1985",
            {
                "url": PATIENT_RECORD,
                "valueReference": {"reference": f"Patient/{mother.pseudonym}"},
            },
        ),
    ]
    # ... which the receiving registry does not take: relatives are registered
    # by its practice. Nor the confirmed diagnosis: its pathway opens an episode.
    assert [
        (e["response"]["status"], e["response"]["outcome"]["issue"][0]["code"])
        for e in refused["entry"]
    ] == [("400 Bad Request", "not-supported")] * 2
    assert original["registry"]["parents_registered"] == [True, True]
    assert original["registry"]["care_episodes"] == [["confirmed_fh", True]]
    assert received["registry"] == {
        "persons": 1,
        "parents_registered": [False, False],
        "care_episodes": [["", False]],
    }


def test_a_child_posted_into_another_practice_keeps_its_clinical_data(
    rich_child: Person, ped_a: Any, ped_b: Any
) -> None:
    exported = everything(ped_a, rich_child)
    assert not Person.objects.filter(practice__code="DEMO-B").exists()

    response = personas.api_client_for(ped_b).post(
        "/api/v1/fhir/",
        json.dumps(as_transaction(exported, "B-77")),
        content_type="application/fhir+json",
    )

    assert response.status_code == 200, response.content
    answer = json.loads(response.content)
    assert {e["response"]["status"] for e in answer["entry"]} == {"201 Created"}
    received = Person.objects.get(practice__code="DEMO-B")
    assert received.practice_patient_number == "B-77"
    assert received.pseudonym != rich_child.pseudonym
    original = clinical_record.clinical_data(rich_child)
    assert original["genetic"]
    assert original["current_assessment"]["eas2026"][0] == "definite"
    assert clinical_record.clinical_data(received) == original
    assert clinical_record.observations(
        everything(ped_b, received)
    ) == clinical_record.observations(exported)
