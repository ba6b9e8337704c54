"""The statistics pages: the dashboard's charts and forms, exports run by a real
Celery worker with an ExportRecord each, jobs private to whoever asked, and the
export records read-only in the admin for administrators."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from celery.contrib.testing.worker import start_worker
from django.test import Client
from pypdf import PdfReader

from epidemiology import tasks
from epidemiology.models import ExportRecord
from fh_registry.celery import app
from fh_registry.models import Practice, Role, User
from tests.epidemiology.test_extract import seed_children
from tests.personas import client_for


@pytest.fixture
def registry(cast: dict[str, Any]) -> list[Any]:
    practice = Practice.objects.get(code="DEMO-A")
    rows = [
        (
            practice,
            "FM"[i % 2],
            date(2016, 3, 1),
            date(2025, 4, 2),
            "positive" if i < 4 else "negative",
            "5.2" if i < 4 else "2.4",
        )
        for i in range(30)
    ]
    return seed_children(rows, cast["ped_a"])


@pytest.mark.django_db
def test_the_dashboard_shows_charts_and_export_forms(
    epi: User, registry: list[Any]
) -> None:
    response = client_for(epi).get("/statistics/")

    assert response.status_code == 200
    html = response.content.decode()
    for name in ("ldl", "quarters", "cascade"):
        assert f'id="chart-{name}"' in html
    assert html.count('src="data:image/svg+xml;base64,') == 3
    assert 'id="export-table-form"' in html
    assert 'id="export-report-form"' in html
    for person in registry:
        assert person.pseudonym not in html
        assert person.practice_patient_number not in html
    assert "Quirina" not in html


@pytest.fixture
def worker(transactional_db: Any, settings: Any, tmp_path: Path) -> Iterator[None]:
    settings.MEDIA_ROOT = tmp_path / "media"
    with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING"):
        yield


def _finished(job_id: str) -> tasks.Job:
    # The page published the job through the outbox; the solo worker runs tasks
    # one at a time, so this second run starts when the first is done, and
    # finds it done.
    tasks.run_export.delay(job_id).get(timeout=60)
    return tasks.load_job(job_id)


def _job_id(response: Any) -> str:
    assert response.status_code == 302
    return str(response["Location"]).rstrip("/").rsplit("/", 1)[-1]


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_table_export_runs_as_a_task_and_is_recorded(
    epi: User, registry: list[Any], worker: None
) -> None:
    client = client_for(epi)
    job_id = _job_id(
        client.post(
            "/statistics/exports/table/",
            {
                "table-table": "outcomes",
                "table-ruleset": "eas2026",
                "table-file_format": "csv",
            },
        )
    )

    job = _finished(job_id)
    status = client.get(f"/statistics/exports/{job_id}/status/").json()
    download = client.get(f"/statistics/exports/{job_id}/download/")

    assert job.status == "completed"
    assert status == {
        "status": "completed",
        "progress": 100,
        "done": True,
        "download_url": f"/statistics/exports/{job_id}/download/",
    }
    content = download.getvalue()
    table = pd.read_csv(io.BytesIO(content), dtype=str, keep_default_na=False)
    published = dict(zip(table["outcome"], table["children"], strict=True))
    assert published["negative"] == "26"
    assert published["positive"] == ""  # 4 < 10: hidden, an empty cell
    assert published["total"] == ""
    record = ExportRecord.objects.get()
    assert (record.user, record.channel, record.kind) == (epi, "page", "table")
    assert record.sha256 == hashlib.sha256(content).hexdigest()
    assert record.rows_suppressed == 2
    assert record.small_cell_minimum == 10


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_the_pdf_report_is_produced_in_the_chosen_language(
    epi: User, registry: list[Any], worker: None
) -> None:
    client = client_for(epi)
    job_id = _job_id(
        client.post(
            "/statistics/exports/report/",
            {"report-ruleset": "eas2026", "report-language": "de"},
        )
    )

    assert _finished(job_id).status == "completed"
    download = client.get(f"/statistics/exports/{job_id}/download/")
    pdf = download.getvalue()
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "FH-Screening-Register: Statistikbericht" in text
    record = ExportRecord.objects.get()
    assert (record.kind, record.file_format, record.user) == ("report", "pdf", epi)


@pytest.mark.django_db
def test_another_users_job_is_missing(
    epi: User, administrator: User, settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    job = tasks.save_job(
        tasks.Job(
            id="0" * 32,
            owner_id=epi.pk,
            kind="table",
            ruleset_id="eas2026",
            minimum=10,
            language="en",
        )
    )
    other_epi = User.objects.create_user(username="epi_2", role=Role.EPIDEMIOLOGIST)

    for user, expected in ((epi, 200), (other_epi, 404), (administrator, 404)):
        page = client_for(user).get(f"/statistics/exports/{job.id}/")
        assert page.status_code == expected, user
    assert client_for(epi).get("/statistics/exports/not-a-job/").status_code == 404
    # Not done yet: nothing to download.
    download = client_for(epi).get(f"/statistics/exports/{job.id}/download/")
    assert download.status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["ped_a", "coord"])
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/statistics/"),
        ("post", "/statistics/exports/table/"),
        ("post", "/statistics/exports/report/"),
        ("get", f"/statistics/exports/{'0' * 32}/"),
        ("get", f"/statistics/exports/{'0' * 32}/status/"),
        ("get", f"/statistics/exports/{'0' * 32}/download/"),
    ],
)
def test_people_who_see_persons_find_no_statistics_page(
    cast: dict[str, Any], role: str, method: str, path: str
) -> None:
    response = getattr(client_for(cast[role]), method)(path)
    assert response.status_code == 404


@pytest.mark.django_db
def test_export_records_are_read_only_in_the_admin_for_administrators(
    administrator: User, epi: User
) -> None:
    ExportRecord.objects.create(
        actor="epi",
        user=epi,
        channel="page",
        kind="table",
        name="x.csv",
        file_format="csv",
        sha256="a" * 64,
    )
    admin = Client()
    admin.force_login(administrator)

    listing = admin.get("/admin/epidemiology/exportrecord/")
    assert listing.status_code == 200
    assert "x.csv" in listing.content.decode()
    assert admin.get("/admin/epidemiology/exportrecord/add/").status_code == 403
    record = ExportRecord.objects.get()
    change = admin.post(
        f"/admin/epidemiology/exportrecord/{record.pk}/change/", {"name": "y.csv"}
    )
    assert change.status_code == 403
    ExportRecord.objects.get(name="x.csv")
    # Epidemiologists are no staff: the admin sends them to its login.
    visitor = Client()
    visitor.force_login(epi)
    assert visitor.get("/admin/epidemiology/exportrecord/").status_code == 302
