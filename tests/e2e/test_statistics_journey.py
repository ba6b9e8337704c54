"""An epidemiologist views the dashboard, exports a table and the PDF report,
watching each export's progress until its download link appears; a real Celery
worker runs the exports."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from celery.contrib.testing.worker import start_worker
from playwright.sync_api import expect
from pypdf import PdfReader

from epidemiology import tasks  # noqa: F401 - registers the task in the worker
from fh_registry.celery import app
from fh_registry.models import Practice
from tests.epidemiology.test_extract import seed_children

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


@pytest.fixture
def registry(cast: dict[str, Any]) -> list[Any]:
    practice = Practice.objects.get(code="DEMO-A")
    rows = [
        (practice, "FM"[i % 2], date(2016, 3, 1), date(2025, 4, 2), "negative", "2.4")
        for i in range(25)
    ]
    return seed_children(rows, cast["ped_a"])


def _download(page: Any, tmp_path: Path, name: str) -> bytes:
    link = page.locator("#export-download")
    expect(link).to_be_visible(timeout=60000)
    with page.expect_download() as download_info:
        link.click()
    saved = tmp_path / name
    download_info.value.save_as(saved)
    return saved.read_bytes()


def test_an_epidemiologist_views_the_dashboard_and_downloads_a_table_and_the_report(
    live_server: Any, login: Any, worker: None, registry: list[Any], tmp_path: Path
) -> None:
    page = login("epi")
    page.get_by_role("button", name="EN", exact=True).click()
    page.goto(f"{live_server.url}/statistics/")

    expect(page.get_by_role("heading", level=1)).to_have_text("Statistics")
    for name in ("ldl", "quarters", "cascade"):
        chart = page.locator(f"#chart-{name} img")
        expect(chart).to_be_visible()
        assert chart.evaluate("image => image.naturalWidth") > 0
    expect(
        page.locator('#outcome-table tr[data-outcome="negative"] td.num')
    ).to_have_text("25")

    form = page.locator("#export-table-form")
    form.get_by_label("Table").select_option("outcomes")
    form.get_by_label("Format").select_option("csv")
    form.get_by_role("button", name="Export the table").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Export")
    table = pd.read_csv(io.BytesIO(_download(page, tmp_path, "table.csv")), dtype=str)
    assert (
        dict(zip(table["outcome"], table["children"], strict=True))["negative"] == "25"
    )

    page.goto(f"{live_server.url}/statistics/")
    report = page.locator("#export-report-form")
    report.get_by_label("Language").select_option("en")
    report.get_by_role("button", name="Produce the PDF report").click()
    pdf = _download(page, tmp_path, "report.pdf")
    assert pdf.startswith(b"%PDF")
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "FH screening registry: statistics report" in text
