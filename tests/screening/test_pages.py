"""Pediatricians' pages: forms reach the services, errors come back per field."""

from __future__ import annotations

from typing import Any

import pytest

from screening.models import FamilyHistoryEntry, GeneticResult, LabResult, Person
from tests.personas import client_for

pytestmark = pytest.mark.django_db


def test_family_history_form_saves_with_the_acting_user(
    ped_a: Any, child_a: Any
) -> None:
    response = client_for(ped_a).post(
        f"/screening/children/{child_a.pseudonym}/family-history/new/",
        {"code": "parent_premature_chd", "detail": "Father, MI at 41"},
    )
    assert response.status_code == 302
    entry = FamilyHistoryEntry.objects.get(person=child_a)
    assert (entry.code, entry.detail) == ("parent_premature_chd", "Father, MI at 41")
    assert entry.history.get().history_user == ped_a


def test_genetic_result_form_saves(ped_a: Any, child_a: Any) -> None:
    response = client_for(ped_a).post(
        f"/screening/children/{child_a.pseudonym}/genetic-results/new/",
        {
            "gene": "LDLR",
            "hgvs_c": "c.1775G>A",
            "acmg_class": "pathogenic",
            "lab": "Humangenetik",
            "report_date": "2026-10-01",
        },
    )
    assert response.status_code == 302
    assert GeneticResult.objects.get(person=child_a).is_genetic_diagnosis


def test_other_practice_cannot_post_to_a_child(ped_b: Any, child_a: Any) -> None:
    response = client_for(ped_b).post(
        f"/screening/children/{child_a.pseudonym}/family-history/new/",
        {"code": "parent_premature_chd"},
    )
    assert response.status_code == 404
    assert not FamilyHistoryEntry.objects.exists()


def test_lab_form_shows_the_plausibility_error_next_to_the_field(
    ped_a: Any, child_a: Any
) -> None:
    response = client_for(ped_a).post(
        f"/screening/children/{child_a.pseudonym}/results/new/",
        {
            "sample_date": "2026-11-01",
            "sample_type": "capillary",
            "fasting": "unknown",
            "unit": "mmol/L",
            "total_cholesterol": "4.0",
            "hdl_cholesterol": "1.3",
            "ldl_cholesterol": "5.3",
            "ldl_method": "direct",
            "triglycerides": "1.1",
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors["ldl_cholesterol"]
    assert "LDL-C 5.3 mmol/L cannot exceed total cholesterol 4.0 mmol/L" in errors
    assert not LabResult.objects.exists()


def test_register_form_creates_child_identity_and_consent(ped_a: Any) -> None:
    response = client_for(ped_a).post(
        "/screening/children/register/",
        {
            "practice": ped_a.memberships.get().practice_id,
            "practice_patient_number": "A-900",
            "given_name": "Mia",
            "family_name": "Lang",
            "sex": "F",
            "birth_date": "2018-02-03",
            "consent_given": "on",
            "consent_given_on": "2026-11-20",
        },
    )
    assert response.status_code == 302
    child = Person.objects.get(practice_patient_number="A-900")
    assert child.identity.family_name == "Lang"
    assert child.consents.get().scope == "screening"


def test_register_without_consent_is_refused(ped_a: Any) -> None:
    response = client_for(ped_a).post(
        "/screening/children/register/",
        {
            "practice": ped_a.memberships.get().practice_id,
            "practice_patient_number": "A-901",
            "given_name": "Mia",
            "family_name": "Lang",
            "sex": "F",
            "birth_date": "2018-02-03",
            "consent_given_on": "2026-11-20",
        },
    )
    assert response.status_code == 200
    assert "consent_given" in response.context["form"].errors
    assert not Person.objects.filter(practice_patient_number="A-901").exists()
