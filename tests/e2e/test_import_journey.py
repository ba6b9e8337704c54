"""A pediatrician uploads a lab file, watches the progress, reads the summary and
downloads the row report; a real Celery worker runs the import."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from celery.contrib.testing.worker import start_worker
from playwright.sync_api import expect

from fh_registry.celery import app
from screening.imports import tasks  # noqa: F401 - registers the task in the worker

DATA = Path(__file__).resolve().parents[1] / "data"

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def worker(transactional_db: Any, settings: Any, tmp_path: Path) -> Iterator[None]:
    settings.MEDIA_ROOT = tmp_path / "media"
    with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING"):
        yield


def test_upload_progress_summary_and_error_report(
    cast: Any, live_server: Any, login: Any, worker: None, tmp_path: Path
) -> None:
    page = login("ped_a")
    page.get_by_role("button", name="EN", exact=True).click()
    page.goto(f"{live_server.url}/screening/imports/")
    page.get_by_label("Lab file (CSV or XLSX)").set_input_files(
        str(DATA / "import_bad_rows.csv")
    )
    page.get_by_role("button", name="Upload and import").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Import batch")
    summary = page.locator("#import-summary")
    expect(summary.locator('[data-count="read"]')).to_have_text("19", timeout=30000)
    expect(summary.locator('[data-count="imported"]')).to_have_text("2")
    expect(summary.locator('[data-count="skipped"]')).to_have_text("1")
    expect(summary.locator('[data-count="rejected"]')).to_have_text("16")
    expect(
        page.locator('#import-errors tr[data-code="identity_mismatch"]')
    ).to_contain_text("This child is known with sex F.")

    with page.expect_download() as download_info:
        page.locator("#import-report").click()
    saved = tmp_path / "report.csv"
    download_info.value.save_as(saved)
    lines = saved.read_text().splitlines()
    assert lines[0] == "line,column,value,code,reason,kind"
    assert len(lines) == 21


def test_progress_bar_is_polled_by_the_static_script(
    cast: Any, live_server: Any, login: Any, tmp_path: Path, settings: Any
) -> None:
    # No worker: the batch stays pending, and the page polls its status URL.
    settings.MEDIA_ROOT = tmp_path / "media"
    page = login("ped_a")
    page.goto(f"{live_server.url}/screening/imports/")
    page.locator("#id_file").set_input_files(str(DATA / "import_sample.csv"))
    with page.expect_response(lambda r: r.url.endswith("/status/")) as polled:
        page.locator("button[type=submit].primary").click()
    assert polled.value.json()["status"] == "pending"
    expect(page.locator("#import-progress")).to_have_attribute("value", "0")
