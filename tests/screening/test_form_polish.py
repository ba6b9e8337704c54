"""The practice forms: no doubled "(optional)", the extreme-value confirmation only
when a value needs it, the child's name in the heading, no silent defaults, and
decimal commas as the page's language writes numbers."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from screening.models import LabResult
from tests.personas import client_for

pytestmark = pytest.mark.django_db


def _form_url(child: Any) -> str:
    return f"/screening/children/{child.pseudonym}/results/new/"


def _values(**overrides: str) -> dict[str, str]:
    values = {
        "sample_date": str(timezone.localdate()),
        "sample_type": "venous",
        "fasting": "true",
        "unit": "mmol/L",
        "total_cholesterol": "4.2",
        "hdl_cholesterol": "1.4",
        "ldl_cholesterol": "2.4",
        "ldl_method": "direct",
        "triglycerides": "0.9",
    }
    values.update(overrides)
    return values


def test_the_empty_form_names_the_child_and_asks_nothing_twice(
    ped_a: Any, child_a: Any
) -> None:
    html = client_for(ped_a).get(_form_url(child_a)).content.decode()
    assert "Huber, Anna" in html
    assert child_a.pseudonym in html
    assert "(optional) <span" not in html
    assert html.count("(optional)") == html.count('class="muted">(optional)')
    assert "(optional)</span> <span" not in html
    assert "Non-HDL-C (optional) <span" not in html
    assert 'name="confirm_extreme"' not in html  # nothing to confirm yet
    sample_type = html.split('name="sample_type"')[1].split("</select>")[0]
    assert '<option value="" selected>' in sample_type


def test_an_extreme_value_asks_for_confirmation_then_saves(
    ped_a: Any, child_a: Any
) -> None:
    client = client_for(ped_a)
    extreme = _values(
        unit="mg/dL",
        total_cholesterol="420",
        hdl_cholesterol="45",
        ldl_cholesterol="340",
        triglycerides="90",
    )
    first = client.post(_form_url(child_a), extreme)
    assert first.status_code == 200
    assert 'name="confirm_extreme"' in first.content.decode()
    assert not LabResult.objects.exists()
    second = client.post(_form_url(child_a), {**extreme, "confirm_extreme": "on"})
    assert second.status_code == 302
    assert LabResult.objects.count() == 1


def test_english_pages_hint_at_the_decimal_point(ped_a: Any, child_a: Any) -> None:
    response = client_for(ped_a).post(
        _form_url(child_a), _values(ldl_cholesterol="5,1")
    )
    assert response.status_code == 200
    assert "Use a decimal point, not a comma: 5.1." in response.content.decode()
    assert not LabResult.objects.exists()


def test_german_pages_take_the_decimal_comma(ped_a: Any, child_a: Any) -> None:
    response = client_for(ped_a, "de").post(
        _form_url(child_a), _values(ldl_cholesterol="2,4", total_cholesterol="4,2")
    )
    assert response.status_code == 302
    assert str(LabResult.objects.get().ldl_cholesterol_entered) == "2.4000"


def test_registration_has_no_default_sex(ped_a: Any) -> None:
    html = client_for(ped_a).get("/screening/children/register/").content.decode()
    sex = html.split('name="sex"')[1].split("</select>")[0]
    assert '<option value="" selected>' in sex


def test_date_pickers_carry_iso_values_in_german_too(ped_a: Any) -> None:
    html = client_for(ped_a, "de").get("/screening/children/register/").content.decode()
    today = timezone.localdate().isoformat()
    assert f'type="date" name="consent_given_on" value="{today}"' in html
