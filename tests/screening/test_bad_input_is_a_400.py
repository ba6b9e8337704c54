"""Bad input to the API is a 400 naming the field, never a server error."""

from __future__ import annotations

from typing import Any

import pytest

from screening.models import GeneticResult, LabResult
from tests.personas import api_client_for

pytestmark = pytest.mark.django_db


def _result(child: Any, **values: Any) -> dict[str, Any]:
    return {
        "person": child.pseudonym,
        "sample_date": "2026-11-02",
        "sample_type": "venous",
        "unit": "mmol/L",
        "total_cholesterol": "5.2",
        "hdl_cholesterol": "1.4",
        "ldl_cholesterol": "3.1",
        "triglycerides": "1.0",
        **values,
    }


def test_an_idempotency_key_over_100_characters(ped_a: Any, child_a: Any) -> None:
    response = api_client_for(ped_a).post(
        "/api/v1/lab-results/",
        _result(child_a),
        format="json",
        HTTP_IDEMPOTENCY_KEY="k" * 101,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert "idempotency_key" in response.json()
    assert not LabResult.objects.exists()


def test_a_tsh_with_more_digits_than_stored(ped_a: Any, child_a: Any) -> None:
    response = api_client_for(ped_a).post(
        "/api/v1/lab-results/",
        _result(child_a, tsh_mu_l="99999.9999"),
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert "tsh_mu_l" in response.json()
    assert not LabResult.objects.exists()


def test_a_genetic_report_dated_in_the_far_future(ped_a: Any, child_a: Any) -> None:
    response = api_client_for(ped_a).post(
        "/api/v1/genetic-results/",
        {
            "person": child_a.pseudonym,
            "gene": "LDLR",
            "hgvs_c": "c.681C>G",
            "acmg_class": "pathogenic",
            "lab": "Humangenetik",
            "report_date": "9999-12-31",
        },
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert response.json()["report_date"][0]["code"] == "future"
    assert not GeneticResult.objects.exists()


@pytest.mark.parametrize("body", ["[" * 100_000, '{"a":' * 5_000])
def test_json_nested_beyond_reason(ped_a: Any, body: str) -> None:
    response = api_client_for(ped_a).post(
        "/api/v1/lab-results/",
        body,
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400


@pytest.mark.parametrize("born", ["1900-01-01", "0001-01-01"])
def test_a_birth_date_over_120_years_ago_is_refused_by_the_api(
    cast: Any, born: str
) -> None:
    response = api_client_for(cast["ped_a"]).post(
        "/api/v1/persons/",
        {
            "practice": "DEMO-A",
            "practice_patient_number": f"OLD-{born[:4]}",
            "sex": "F",
            "birth_date": born,
            "given_name": "Old",
            "family_name": "Typo",
            "consent_given_on": "2026-01-05",
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["birth_date"][0]["code"] == "implausible"
