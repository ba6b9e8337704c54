"""/api/v1/statistics/: the standard tables as JSON, to statistics readers only,
each response recorded."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from epidemiology.models import ExportChannel, ExportRecord
from epidemiology.tables import STANDARD_TABLES
from screening.models import Person
from tests.epidemiology.test_tables import children
from tests.personas import api_client_for

pytestmark = pytest.mark.django_db
SCREENINGS = "screenings_by_quarter_district_age_sex"


@pytest.fixture
def registry(ped_a: Any) -> None:
    children(ped_a, "DEMO-A", "F", 12)
    children(ped_a, "DEMO-A", "M", 3)


def test_the_list_names_every_standard_table(epi: Any) -> None:
    response = api_client_for(epi).get("/api/v1/statistics/")
    assert response.status_code == 200
    assert [t["name"] for t in response.json()["tables"]] == [
        t.name for t in STANDARD_TABLES
    ]


def test_a_table_hides_small_counts_as_null_and_is_recorded(
    epi: Any, registry: None
) -> None:
    response = api_client_for(epi).get(f"/api/v1/statistics/{SCREENINGS}/")
    assert response.status_code == 200
    body = response.json()
    counts = [row["count"] for row in body["rows"]]
    assert None in counts
    assert all(c is None or c == 0 or c >= 10 for c in counts)
    assert body["minimum"] == 10
    record = ExportRecord.objects.get()
    assert record.channel == ExportChannel.API
    assert record.user == epi
    assert record.name == SCREENINGS
    assert record.sha256 == hashlib.sha256(response.content).hexdigest()
    assert record.rows_suppressed == counts.count(None)
    text = response.content.decode()
    for pseudonym in Person.objects.values_list("pseudonym", flat=True):
        assert pseudonym not in text


def test_the_minimum_may_be_raised_but_not_lowered(epi: Any, registry: None) -> None:
    client = api_client_for(epi)
    raised = client.get(f"/api/v1/statistics/{SCREENINGS}/?minimum=13")
    assert raised.status_code == 200
    assert all(
        r["count"] is None or r["count"] == 0 or r["count"] >= 13
        for r in raised.json()["rows"]
    )
    lowered = client.get(f"/api/v1/statistics/{SCREENINGS}/?minimum=3")
    assert lowered.status_code == 400
    assert ExportRecord.objects.count() == 1


@pytest.mark.parametrize("role", ["ped_a", "coord"])
def test_other_roles_find_no_statistics(
    request: pytest.FixtureRequest, role: str
) -> None:
    client = api_client_for(request.getfixturevalue(role))
    assert client.get("/api/v1/statistics/").status_code == 404
    assert client.get(f"/api/v1/statistics/{SCREENINGS}/").status_code == 404
    assert not ExportRecord.objects.exists()


def test_an_unknown_table_is_404(epi: Any) -> None:
    response = api_client_for(epi).get("/api/v1/statistics/no_such_table/")
    assert response.status_code == 404
