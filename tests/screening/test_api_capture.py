"""The screening API: capture with assessment, field errors, scope, idempotency."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from screening import services
from screening.models import LabResult
from tests import personas
from tests.personas import lab_entry, register_child

pytestmark = pytest.mark.django_db


def api(user: Any | None) -> APIClient:
    client = APIClient()
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def payload(child: Any, **values: Any) -> dict[str, Any]:
    body = {
        "person": child.pseudonym,
        "sample_date": str(timezone.localdate()),
        "sample_type": "capillary",
        "fasting": False,
        "unit": "mmol/L",
        "total_cholesterol": "7.1",
        "hdl_cholesterol": "1.3",
        "ldl_cholesterol": "5.3",
        "ldl_method": "direct",
        "triglycerides": "1.1",
    }
    body.update(values)
    return body


def child_payload(number: str, **values: str) -> dict[str, str]:
    body = {
        "practice": "DEMO-A",
        "practice_patient_number": number,
        "sex": "F",
        "birth_date": "2017-05-14",
        "given_name": "Lena",
        "family_name": "Huber",
        "consent_given_on": str(timezone.localdate()),
    }
    body.update(values)
    return body


def test_post_returns_the_result_with_its_assessment(ped_a: Any, child_a: Any) -> None:
    response = api(ped_a).post("/api/v1/lab-results/", payload(child_a), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["ldl_mmol_l"] == "5.300000"
    assert body["source"] == "api"
    assert body["assessment"]["outcome"] == "positive"
    assert body["assessment"]["criterion"] == "A"
    assert body["assessment"]["ruleset_id"] == "eas2026"
    assert any("5.3" in reason for reason in body["assessment"]["reasons_en"])


@pytest.mark.parametrize(
    ("values", "field", "code"),
    [
        ({"ldl_cholesterol": "7.2"}, "ldl_cholesterol", "ldl_exceeds_tc"),
        (
            {
                "total_cholesterol": "5.0",
                "hdl_cholesterol": "1.5",
                "ldl_cholesterol": "3.8",
            },
            "ldl_cholesterol",
            "ldl_exceeds_non_hdl",
        ),
        (
            {
                "total_cholesterol": "3.0",
                "hdl_cholesterol": "3.1",
                "ldl_cholesterol": "1.0",
            },
            "hdl_cholesterol",
            "hdl_exceeds_tc",
        ),
        (
            {"total_cholesterol": "40", "ldl_cholesterol": "5.3"},
            "total_cholesterol",
            "out_of_range",
        ),
        ({"ldl_cholesterol": "0.2"}, "ldl_cholesterol", "out_of_range"),
        ({"hdl_cholesterol": "0.1"}, "hdl_cholesterol", "out_of_range"),
        ({"triglycerides": "60"}, "triglycerides", "out_of_range"),
        (
            {
                "unit": "mg/dL",
                "total_cholesterol": "420",
                "hdl_cholesterol": "45",
                "ldl_cholesterol": "350",
                "triglycerides": "90",
            },
            "ldl_cholesterol",
            "needs_confirmation",
        ),
        (
            {
                "unit": "mg/dL",
                "total_cholesterol": "15",
                "hdl_cholesterol": "1.2",
                "ldl_cholesterol": "10.5",
                "triglycerides": "90",
            },
            "total_cholesterol",
            "needs_confirmation",
        ),
        ({"unit": "mmol"}, "unit", "invalid_choice"),
        ({"sample_date": "2999-01-01"}, "sample_date", "future"),
    ],
)
def test_implausible_values_are_400_with_field_errors(
    ped_a: Any, child_a: Any, values: dict[str, str], field: str, code: str
) -> None:
    response = api(ped_a).post(
        "/api/v1/lab-results/", payload(child_a, **values), format="json"
    )
    assert response.status_code == 400
    errors = response.json()
    assert code in [error["code"] for error in errors[field]], errors
    assert all(error["message"] for error in errors[field])
    assert LabResult.objects.count() == 0


def test_confirmed_extreme_value_is_accepted(ped_a: Any, child_a: Any) -> None:
    body = payload(
        child_a,
        unit="mg/dL",
        total_cholesterol="420",
        hdl_cholesterol="45",
        ldl_cholesterol="350",
        triglycerides="90",
        confirm_extreme_values=True,
    )
    response = api(ped_a).post("/api/v1/lab-results/", body, format="json")
    assert response.status_code == 201
    assert "ldl_above_300_mg_dl" in response.json()["assessment"]["alerts"]


def test_anonymous_is_401(child_a: Any) -> None:
    response = api(None).post("/api/v1/lab-results/", payload(child_a), format="json")
    assert response.status_code == 401


def test_child_of_another_practice_is_404(ped_b: Any, child_a: Any) -> None:
    client = api(ped_b)
    assert (
        client.post("/api/v1/lab-results/", payload(child_a), format="json").status_code
        == 404
    )
    assert client.get(f"/api/v1/persons/{child_a.pseudonym}/").status_code == 404
    assert LabResult.objects.count() == 0


def test_coordinator_cannot_enter_results(coord: Any, child_a: Any) -> None:
    response = api(coord).post("/api/v1/lab-results/", payload(child_a), format="json")
    assert response.status_code == 404


def test_idempotent_retry_returns_the_first_result(ped_a: Any, child_a: Any) -> None:
    client = api(ped_a)
    first = client.post(
        "/api/v1/lab-results/",
        payload(child_a),
        format="json",
        HTTP_IDEMPOTENCY_KEY="lab-42",
    )
    retry = client.post(
        "/api/v1/lab-results/",
        payload(child_a),
        format="json",
        HTTP_IDEMPOTENCY_KEY="lab-42",
    )
    assert (first.status_code, retry.status_code) == (201, 200)
    assert retry.json()["id"] == first.json()["id"]
    assert retry.json()["assessment"]["id"] == first.json()["assessment"]["id"]
    assert LabResult.objects.count() == 1


def test_idempotency_key_reused_for_another_result_is_refused(
    ped_a: Any, child_a: Any
) -> None:
    client = api(ped_a)
    client.post(
        "/api/v1/lab-results/",
        payload(child_a),
        format="json",
        HTTP_IDEMPOTENCY_KEY="k",
    )
    other = register_child(ped_a, number="A-2")
    response = client.post(
        "/api/v1/lab-results/", payload(other), format="json", HTTP_IDEMPOTENCY_KEY="k"
    )
    assert response.status_code == 400
    assert response.json()["idempotency_key"][0]["code"] == "idempotency_conflict"


def test_idempotency_key_reused_with_other_values_is_a_conflict(
    ped_a: Any, child_a: Any
) -> None:
    """A retry sends the same values; other values under the key are refused,
    not silently answered with the first result."""
    client = api(ped_a)
    first = client.post(
        "/api/v1/lab-results/",
        payload(child_a),
        format="json",
        HTTP_IDEMPOTENCY_KEY="v",
    )
    assert first.status_code == 201
    changed = client.post(
        "/api/v1/lab-results/",
        payload(child_a, ldl_cholesterol="6.1"),
        format="json",
        HTTP_IDEMPOTENCY_KEY="v",
    )
    assert changed.status_code == 400
    assert changed.json()["idempotency_key"][0]["code"] == "idempotency_conflict"
    assert LabResult.objects.get().ldl_cholesterol_entered == Decimal("5.3")


def test_register_child_by_api(ped_a: Any) -> None:
    response = api(ped_a).post("/api/v1/persons/", child_payload("A-77"), format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["identity"]["family_name"] == "Huber"
    assert response.json()["pseudonym"].startswith("FH-")


def test_register_child_in_another_practice_is_404(ped_a: Any) -> None:
    response = api(ped_a).post(
        "/api/v1/persons/", child_payload("B-77", practice="DEMO-B"), format="json"
    )
    assert response.status_code == 404


def test_genetic_result_by_api(ped_a: Any, child_a: Any) -> None:
    response = api(ped_a).post(
        "/api/v1/genetic-results/",
        {
            "person": child_a.pseudonym,
            "gene": "LDLR",
            "hgvs_c": "c.1775G>A",
            "acmg_class": "likely_pathogenic",
            "lab": "Humangenetik",
            "report_date": "2026-10-01",
        },
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["is_genetic_diagnosis"] is True
    assert response.json()["retain_until"] == "2036-10-01"


def test_filters_narrow_the_lists(ped_a: Any, child_a: Any) -> None:
    other = register_child(ped_a, number="A-2")
    for child in (child_a, other):
        services.record_lab_result(acting_user=ped_a, person=child, entry=lab_entry())
    response = api(ped_a).get(f"/api/v1/lab-results/?person={child_a.pseudonym}")
    assert [row["person"] for row in response.json()["results"]] == [child_a.pseudonym]
    response = api(ped_a).get("/api/v1/assessments/?outcome=positive")
    assert response.json()["results"] == []


@pytest.mark.parametrize(
    "endpoint",
    [
        "/api/v1/persons/",
        "/api/v1/lab-results/",
        "/api/v1/assessments/",
        "/api/v1/genetic-results/",
    ],
)
def test_list_queries_do_not_grow_with_rows(
    ped_a: Any, endpoint: str, django_assert_max_num_queries: Any
) -> None:
    def fill(upto: int) -> None:
        for n in range(LabResult.objects.count(), upto):
            child = register_child(ped_a, number=f"Q-{n}")
            services.record_lab_result(
                acting_user=ped_a, person=child, entry=lab_entry()
            )
            services.record_genetic_result(
                acting_user=ped_a,
                person=child,
                gene="LDLR",
                hgvs_c="c.1A>G",
                acmg_class="vus",
                lab="Lab",
                report_date=timezone.localdate(),
            )

    client = api(ped_a)
    fill(1)
    with django_assert_max_num_queries(6) as one:
        assert len(client.get(endpoint).json()["results"]) >= 1
    fill(50)
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert len(client.get(endpoint).json()["results"]) == 50


def test_register_child_born_in_the_future_is_400(ped_a: Any) -> None:
    response = api(ped_a).post(
        "/api/v1/persons/",
        child_payload("A-78", sex="M", birth_date="2999-01-01", given_name="Leo"),
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["birth_date"][0]["code"] == "future"


def test_unknown_token_is_401(child_a: Any) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef")
    response = client.get("/api/v1/persons/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 401
    assert response.json()["detail"] == "Invalid token."


def test_token_of_a_deactivated_user_is_401(ped_a: Any, child_a: Any) -> None:
    client = api(ped_a)
    assert client.get("/api/v1/persons/").status_code == 200
    ped_a.is_active = False
    ped_a.save(update_fields=["is_active"])
    response = client.get("/api/v1/persons/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 401
    assert response.json()["detail"] == "User inactive or deleted."


def test_token_request_carries_user_and_token(ped_a: Any) -> None:
    token, _ = Token.objects.get_or_create(user=ped_a)
    user, auth = TokenAuthentication().authenticate_credentials(token.key)
    assert (user.pk, user.role, auth.key, auth.user_id) == (
        ped_a.pk,
        ped_a.role,
        token.key,
        ped_a.pk,
    )
    assert auth.created == token.created


def test_a_capture_runs_the_same_queries_however_long_the_series(
    ped_a: Any, child_a: Any, django_assert_max_num_queries: Any
) -> None:
    """A capture's queries do not grow with the child's earlier results."""
    other = personas.register_child(ped_a, number="A-2", given_name="Alma")
    for n in range(10):
        services.record_lab_result(
            acting_user=ped_a,
            person=other,
            entry=lab_entry(sample_date=timezone.localdate() - timedelta(days=30 + n)),
        )
    client = api(ped_a)
    counts = []
    for child in (child_a, other):
        # A negative result: no follow-up work. The ceiling: token, child, the
        # capture's checks and reads, validation, the result and its assessment
        # with their history rows, and the test transaction's savepoints.
        with django_assert_max_num_queries(30) as captured:
            response = client.post(
                "/api/v1/lab-results/",
                payload(child, ldl_cholesterol="3.1"),
                format="json",
            )
        assert response.status_code == 201, response.json()
        assert response.json()["assessment"]["outcome"] == "negative"
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]
