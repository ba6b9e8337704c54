"""An imported child is no dead end: the practice adds name, contact and
consent (the consent rules shown first), then parents, then results. A person
older than the paediatric rule sets is asked about before being registered."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from screening.models import Consent, LabResult, Person, PersonIdentity
from tests.personas import client_for

pytestmark = pytest.mark.django_db

HEADER = (
    "practice_patient_id,sex,birth_date,sample_date,sample_type,fasting,unit,"
    "total_cholesterol,hdl_cholesterol,ldl_cholesterol,ldl_method,triglycerides\n"
)


@pytest.fixture
def imported(ped_a: Any, tmp_path: Path) -> Person:
    lab_file = tmp_path / "lab.csv"
    day = timezone.localdate() - timedelta(days=3)
    lab_file.write_text(
        HEADER + f"P-9,M,2017-06-01,{day},capillary,no,mmol/L,7.1,1.3,5.3,direct,1.1\n",
        encoding="utf-8",
    )
    call_command("import_results", str(lab_file), "--practice", "DEMO-A")
    return Person.objects.get(practice_patient_number="P-9")


def test_the_page_offers_to_complete_and_shows_the_consent_rules_first(
    ped_a: Any, imported: Person
) -> None:
    client = client_for(ped_a)
    page = client.get(f"/screening/children/{imported.pseudonym}/").content.decode()
    assert 'id="incomplete-record"' in page
    assert f"/screening/children/{imported.pseudonym}/complete/" in page
    form = client.get(f"/screening/children/{imported.pseudonym}/complete/")
    html = form.content.decode()
    assert "only with the written consent of a parent or guardian" in html
    assert html.index('id="consent-rules"') < html.index('name="consent_given"')


def test_completing_the_record_lets_results_be_entered(
    ped_a: Any, imported: Person
) -> None:
    client = client_for(ped_a)
    url = f"/screening/children/{imported.pseudonym}/complete/"
    refused = client.post(
        url,
        {
            "given_name": "Paul",
            "family_name": "Gruber",
            "consent_given": "on",
            "consent_given_on": "2010-01-01",  # before the child's birth
        },
    )
    assert refused.status_code == 200
    assert "Consent cannot predate the birth date." in refused.content.decode()
    assert not PersonIdentity.objects.filter(person=imported).exists()
    done = client.post(
        url,
        {
            "given_name": "Paul",
            "family_name": "Gruber",
            "consent_given": "on",
            "consent_given_on": str(timezone.localdate()),
            "consent_given_by": "Maria Gruber",
        },
    )
    assert done.status_code == 302
    identity = PersonIdentity.objects.get(person=imported)
    assert (identity.family_name, identity.history.get().history_user) == (
        "Gruber",
        ped_a,
    )
    assert Consent.objects.get(person=imported).given_by == "Maria Gruber"
    page = client.get(f"/screening/children/{imported.pseudonym}/").content.decode()
    assert 'id="incomplete-record"' not in page
    assert "Gruber, Paul" in page
    result = client.post(
        f"/screening/children/{imported.pseudonym}/results/new/",
        {
            "sample_date": str(timezone.localdate()),
            "sample_type": "venous",
            "unit": "mmol/L",
            "total_cholesterol": "7.0",
            "hdl_cholesterol": "1.3",
            "ldl_cholesterol": "5.2",
            "ldl_method": "direct",
            "triglycerides": "1.0",
        },
    )
    assert result.status_code == 302
    assert LabResult.objects.filter(person=imported).count() == 2


def test_parents_are_added_from_the_childs_page(ped_a: Any, child_a: Any) -> None:
    client = client_for(ped_a)
    page = client.get(f"/screening/children/{child_a.pseudonym}/").content.decode()
    assert "Add mother" in page
    assert "Add father" in page
    url = f"/screening/children/{child_a.pseudonym}/parents/new/"
    added = client.post(
        url,
        {
            "parent": "F",
            "given_name": "Maria",
            "family_name": "Huber",
            "birth_date": "1985-04-02",
        },
    )
    assert added.status_code == 302
    child = Person.objects.select_related("mother").get(pk=child_a.pk)
    assert child.mother is not None
    assert child.mother.practice_id == child_a.practice_id
    again = client.post(
        url,
        {
            "parent": "F",
            "given_name": "Other",
            "family_name": "Huber",
            "birth_date": "1984-01-01",
        },
    )
    assert "This person&#x27;s mother is already registered." in again.content.decode()


def test_an_adult_registered_as_a_child_is_asked_about_first(ped_a: Any) -> None:
    client = client_for(ped_a)
    values = {
        "practice": str(ped_a.memberships.get().practice_id),
        "practice_patient_number": "A-99",
        "given_name": "Hans",
        "family_name": "Huber",
        "sex": "M",
        "birth_date": "1980-05-05",
        "consent_given": "on",
        "consent_given_on": str(timezone.localdate()),
    }
    asked = client.post("/screening/children/register/", values)
    assert asked.status_code == 200
    html = asked.content.decode()
    assert "Is this a relative of a child?" in html
    assert 'name="confirm_adult"' in html
    assert not Person.objects.filter(practice_patient_number="A-99").exists()
    confirmed = client.post(
        "/screening/children/register/", {**values, "confirm_adult": "on"}
    )
    assert confirmed.status_code == 302
    assert Person.objects.filter(practice_patient_number="A-99").exists()
