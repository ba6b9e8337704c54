"""The API and the upload page: 202 with a batch id, status, scoping (404)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from rest_framework.test import APIClient

from fh_registry.models import OutboxMessage
from screening.imports.pipeline import TASK_NAME, run_import
from screening.models import ImportBatch, ImportStatus
from tests.screening.imports.conftest import DATA, import_file

pytestmark = [
    pytest.mark.django_db,
]


def _api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _upload(name: str = "import_sample.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, (DATA / name).read_bytes(), "text/csv")


def test_post_returns_202_with_the_batch_and_enqueues_the_task(
    ped_a: Any, media: Path
) -> None:
    response = _api(ped_a).post(
        "/api/v1/imports/",
        {"file": _upload(), "practice": "DEMO-A"},
        format="multipart",
    )

    assert response.status_code == 202
    batch = ImportBatch.objects.get()
    assert response.json()["id"] == batch.pk
    assert response.json()["status"] == "pending"
    assert Path(batch.file_path).is_relative_to(media / "imports")
    assert (
        Path(batch.file_path).read_bytes() == (DATA / "import_sample.csv").read_bytes()
    )
    message = OutboxMessage.objects.get()
    assert (message.task_name, message.kwargs) == (TASK_NAME, {"batch_id": batch.pk})


def test_get_shows_status_counts_and_errors(ped_a: Any) -> None:
    batch = import_file(ped_a, DATA / "import_bad_rows.csv")

    body = _api(ped_a).get(f"/api/v1/imports/{batch.pk}/").json()

    assert (body["status"], body["rows_read"], body["rows_imported"]) == (
        "completed",
        19,
        2,
    )
    assert (body["rows_skipped"], body["rows_rejected"]) == (1, 16)
    assert body["row_errors"][0] == {
        "line": 3,
        "column": "practice_patient_id",
        "value": "",
        "code": "missing_value",
        "reason": "A value is required.",
        "kind": "rejected",
    }
    assert len(body["row_errors"]) == 20


def test_the_same_file_again_answers_200_with_the_first_batch(ped_a: Any) -> None:
    first = import_file(ped_a, DATA / "import_sample.csv")

    response = _api(ped_a).post(
        "/api/v1/imports/", {"file": _upload(), "practice": "DEMO-A"}
    )

    assert response.status_code == 200
    assert response.json()["id"] == first.pk


def test_a_refused_file_is_a_400_with_the_reason(ped_a: Any) -> None:
    bad = SimpleUploadedFile("x.csv", b"name,value\nA,1\n", "text/csv")

    response = _api(ped_a).post("/api/v1/imports/", {"file": bad, "practice": "DEMO-A"})

    assert response.status_code == 400
    assert response.json()["file"][0]["code"] == "missing_columns"


@pytest.mark.parametrize(
    ("role", "detail", "listed"),
    [
        ("ped_a", 200, 1),
        ("ped_b", 404, 0),
        ("coord", 200, 1),
        ("admin", 200, 1),
        ("epi", 404, None),
    ],
)
def test_a_batch_of_another_practice_is_not_found(
    cast: Any, role: str, detail: int, listed: int | None
) -> None:
    batch = import_file(cast["ped_a"], DATA / "import_sample.csv")
    client = _api(cast[role])

    assert client.get(f"/api/v1/imports/{batch.pk}/").status_code == detail
    listing = client.get("/api/v1/imports/")
    if listed is None:
        assert listing.status_code == 404
    else:
        assert len(listing.json()["results"]) == listed


def test_ped_b_cannot_upload_into_ped_as_practice(ped_b: Any) -> None:
    response = _api(ped_b).post(
        "/api/v1/imports/", {"file": _upload(), "practice": "DEMO-A"}
    )

    assert response.status_code == 404
    assert not ImportBatch.objects.exists()


def test_upload_page_registers_and_redirects_to_the_batch(ped_a: Any) -> None:
    client = Client()
    client.force_login(ped_a)
    practice = ped_a.memberships.get().practice

    response = client.post(
        "/screening/imports/", {"practice": practice.pk, "file": _upload()}
    )

    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/screening/imports/{batch.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert f'data-status-url="/screening/imports/{batch.pk}/status/"' in page
    assert '<script src="/static/js/import_progress.js" defer>' in page
    assert "<script>" not in page
    assert "style=" not in page
    run_import(batch.pk)
    status = client.get(f"/screening/imports/{batch.pk}/status/").json()
    assert (status["status"], status["progress"], status["done"]) == (
        ImportStatus.COMPLETED,
        100,
        True,
    )
    report = client.get(f"/screening/imports/{batch.pk}/report.csv")
    assert report["Content-Type"] == "text/csv"
    assert report.getvalue() == b"line,column,value,code,reason,kind\n"


@pytest.mark.parametrize(
    ("role", "expected"),
    [("ped_a", 200), ("ped_b", 404), ("coord", 200), ("epi", 404), ("admin", 404)],
)
def test_import_pages_answer_each_role(cast: Any, role: str, expected: int) -> None:
    batch = import_file(cast["ped_a"], DATA / "import_sample.csv")
    client = Client()
    client.force_login(cast[role])

    for url in (
        f"/screening/imports/{batch.pk}/",
        f"/screening/imports/{batch.pk}/status/",
        f"/screening/imports/{batch.pk}/report.csv",
    ):
        assert client.get(url).status_code == expected, url
    listing = client.get("/screening/imports/").status_code
    assert listing == (404 if role in ("epi", "admin") else 200)


def test_row_reasons_read_in_the_readers_language(ped_a: Any) -> None:
    """Uploaded in English, read in German: the page, the report and the API
    give each reader the reasons in their own language."""
    batch = import_file(ped_a, DATA / "import_bad_rows.csv")
    assert batch.language == "en"
    german = Client(HTTP_ACCEPT_LANGUAGE="de")
    german.force_login(ped_a)
    page = german.get(f"/screening/imports/{batch.pk}/").content.decode()
    assert "Ein Wert ist erforderlich." in page
    assert "A value is required." not in page
    report = b"".join(german.get(f"/screening/imports/{batch.pk}/report.csv"))
    assert "Ein Wert ist erforderlich." in report.decode()
    body = (
        _api(ped_a)
        .get(f"/api/v1/imports/{batch.pk}/", HTTP_ACCEPT_LANGUAGE="de")
        .json()
    )
    assert body["row_errors"][0]["reason"] == "Ein Wert ist erforderlich."
