"""A result needs at least one lipid value: an empty one is refused on every entry
path, nothing is stored, and the child's current assessment stays as it was."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from screening.models import Assessment, LabResult
from tests.personas import api_client_for, client_for, record_result

pytestmark = pytest.mark.django_db

NO_VALUES = {
    "total_cholesterol": None,
    "hdl_cholesterol": None,
    "ldl_cholesterol": None,
    "triglycerides": None,
    "non_hdl_cholesterol": None,
}


@pytest.fixture
def positive_child(ped_a: Any, child_a: Any) -> Any:
    record_result(
        ped_a,
        child_a,
        total_cholesterol=Decimal("7.9"),
        ldl_cholesterol=Decimal("5.6"),
        hdl_cholesterol=Decimal("1.3"),
    )
    return child_a


def _unchanged(child: Any) -> None:
    assert LabResult.objects.filter(person=child).count() == 1
    assert list(
        Assessment.objects.filter(person=child).values_list("outcome", flat=True)
    ) == ["positive"]


def test_the_service_refuses_a_result_without_lipid_values(
    ped_a: Any, positive_child: Any
) -> None:
    with pytest.raises(ValidationError) as raised:
        record_result(
            ped_a, positive_child, sample_date=timezone.localdate(), **NO_VALUES
        )
    codes = [e.code for e in raised.value.error_dict["__all__"]]
    assert codes == ["no_values"]
    _unchanged(positive_child)


def test_the_form_refuses_a_result_with_only_a_sample_date(
    ped_a: Any, positive_child: Any
) -> None:
    client = client_for(ped_a)
    response = client.post(
        f"/screening/children/{positive_child.pseudonym}/results/new/",
        {
            "sample_date": str(timezone.localdate()),
            "sample_type": "capillary",
            "unit": "mmol/L",
            "ldl_method": "direct",
        },
    )
    assert response.status_code == 200
    assert "Enter at least one lipid value" in response.content.decode()
    _unchanged(positive_child)


def test_the_api_refuses_a_result_without_lipid_values(
    ped_a: Any, positive_child: Any
) -> None:
    client = api_client_for(ped_a)
    response = client.post(
        "/api/v1/lab-results/",
        {
            "person": positive_child.pseudonym,
            "sample_date": str(timezone.localdate()),
            "sample_type": "capillary",
            "unit": "mmol/L",
            "lipoprotein_a": "30",
            "lipoprotein_a_unit": "mg/dL",
        },
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert response.json()["non_field_errors"][0]["code"] == "no_values"
    _unchanged(positive_child)
