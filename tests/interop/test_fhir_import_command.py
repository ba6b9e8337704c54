"""`manage.py fhir_import BUNDLE --practice CODE --user NAME`: a Bundle from a
file, read and stored as POST /api/v1/fhir/ does; the answer is printed."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from screening.models import ImportBatch, LabResult, Person
from tests.interop.test_bundles import lab_message

pytestmark = pytest.mark.django_db


def fhir_import(bundle: Any, folder: Path, *options: str) -> dict[str, Any]:
    path = folder / "bundle.json"
    path.write_text(json.dumps(bundle))
    out = StringIO()
    call_command("fhir_import", str(path), *options, stdout=out)
    return json.loads(out.getvalue())


def test_a_transaction_is_stored_and_its_response_printed(
    ped_a: Any, tmp_path: Path
) -> None:
    answer = fhir_import(
        lab_message(), tmp_path, "--practice", "DEMO-A", "--user", "ped_a"
    )

    assert answer["type"] == "transaction-response"
    child = Person.objects.get(practice_patient_number="P-2001")
    assert answer["entry"][0]["response"] == {
        "status": "201 Created",
        "location": f"Patient/{child.pseudonym}",
    }
    assert LabResult.objects.get(person=child).entered_by == ped_a
    assert ImportBatch.objects.get().uploaded_by == ped_a


def test_a_refused_transaction_prints_its_outcome_and_stores_nothing(
    ped_a: Any, tmp_path: Path
) -> None:
    bundle = lab_message()
    bundle["entry"][3]["resource"]["valueQuantity"]["code"] = "g/L"
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle))
    out = StringIO()

    with pytest.raises(
        CommandError, match=r"^The Bundle was refused; nothing was stored\.$"
    ):
        call_command(
            "fhir_import",
            str(path),
            "--practice",
            "DEMO-A",
            "--user",
            "ped_a",
            stdout=out,
        )

    outcome = json.loads(out.getvalue())
    assert outcome["resourceType"] == "OperationOutcome"
    [issue] = [i for i in outcome["issue"] if i["severity"] == "error"]
    assert (issue["code"], issue["expression"]) == (
        "value",
        ["Bundle.entry[3].resource.valueQuantity.code"],
    )
    assert not Person.objects.exists()


@pytest.mark.parametrize(
    ("practice", "user", "message"),
    [
        ("DEMO-X", "ped_a", "No practice 'DEMO-X'."),
        ("DEMO-A", "nobody", "No user 'nobody'."),
        ("DEMO-A", "ped_b", "ped_b may not import into DEMO-A."),
        ("DEMO-A", "epi", "epi may not import into DEMO-A."),
    ],
)
def test_the_sender_must_be_one_who_imports_into_the_practice(
    cast: Any, tmp_path: Path, practice: str, user: str, message: str
) -> None:
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(lab_message()))

    with pytest.raises(CommandError, match=f"^{message}$"):
        call_command("fhir_import", str(path), "--practice", practice, "--user", user)

    assert not Person.objects.exists()


def test_a_file_that_is_not_json_is_refused(cast: Any, tmp_path: Path) -> None:
    path = tmp_path / "bundle.json"
    path.write_text("{not json")

    with pytest.raises(CommandError, match=r"bundle\.json is not JSON\.$"):
        call_command(
            "fhir_import", str(path), "--practice", "DEMO-A", "--user", "ped_a"
        )
