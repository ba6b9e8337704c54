"""`/api/v1/persons/` registers relatives linked into the pedigree: `parent_of`
for a mother or father, `mother`/`father` for a sibling or other relative; the
links are pseudonyms in the caller's scope. A child is registered as before."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from followup.models import CascadeInvitation
from screening import services
from screening.models import Consent, Person
from tests.personas import api_client_for

pytestmark = pytest.mark.django_db


def relative(**values: Any) -> dict[str, Any]:
    body = {
        "sex": "F",
        "birth_date": "1986-02-03",
        "given_name": "Maria",
        "family_name": "Huber",
    }
    body.update(values)
    return body


def pathogenic(user: Any, person: Person) -> None:
    services.record_genetic_result(
        acting_user=user,
        person=person,
        gene="LDLR",
        hgvs_c="c.681C>G",
        acmg_class="pathogenic",
        lab="Genetics lab",
        report_date=timezone.localdate(),
    )


def test_a_mother_registered_by_parent_of_is_linked_and_invited(
    ped_a: Any, child_a: Person
) -> None:
    pathogenic(ped_a, child_a)
    response = api_client_for(ped_a).post(
        "/api/v1/persons/", relative(parent_of=child_a.pseudonym), format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    child_a.refresh_from_db()
    assert child_a.mother is not None
    assert body["pseudonym"] == child_a.mother.pseudonym
    assert body["practice"] == "DEMO-A"
    assert (body["mother"], body["father"], body["deceased"]) == (None, None, False)
    assert body["identity"]["given_name"] == "Maria"
    assert not Consent.objects.filter(person=child_a.mother).exists()
    invitation = CascadeInvitation.objects.get(relative=child_a.mother)
    assert (invitation.relation, invitation.test) == ("mother", "genetic")

    child = api_client_for(ped_a).get(f"/api/v1/persons/{child_a.pseudonym}/")
    assert child.json()["mother"] == child_a.mother.pseudonym


def test_a_sibling_by_mother_and_father_with_consent(
    coord: Any, ped_a: Any, child_a: Person
) -> None:
    api = api_client_for(ped_a)
    mother = api.post(
        "/api/v1/persons/", relative(parent_of=child_a.pseudonym), format="json"
    ).json()["pseudonym"]
    father = api.post(
        "/api/v1/persons/",
        relative(parent_of=child_a.pseudonym, sex="M", birth_date="1984-01-01"),
        format="json",
    ).json()["pseudonym"]
    # Coordinators add relatives too (as on the family page).
    response = api_client_for(coord).post(
        "/api/v1/persons/",
        relative(
            mother=mother,
            father=father,
            sex="M",
            birth_date="2014-09-21",
            given_name="Jonas",
            consent_given_on=str(timezone.localdate()),
            consent_given_by="Maria Huber",
        ),
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["mother"], body["father"]) == (mother, father)
    sibling = Person.objects.get(pseudonym=body["pseudonym"])
    assert sibling.practice == child_a.practice
    consent = Consent.objects.get(person=sibling)
    assert (consent.scope, consent.given_by) == ("screening", "Maria Huber")


@pytest.mark.parametrize(
    ("values", "field", "code"),
    [
        ({"parent_of": "CHILD", "mother": "CHILD"}, "parent_of", "relation"),
        (
            {"parent_of": "CHILD", "practice_patient_number": "A-7"},
            "practice_patient_number",
            "relative",
        ),
        ({"parent_of": "CHILD", "practice": "DEMO-B"}, "practice", "practice"),
        ({"parent_of": "CHILD", "birth_date": "2020-01-01"}, "birth_date", "order"),
        ({"mother": "CHILD"}, "mother", "sex"),  # Anna is a girl, not a mother
    ],
)
def test_refused_relatives_are_a_400_keyed_by_field(
    ped_a: Any, child_a: Person, values: dict[str, str], field: str, code: str
) -> None:
    values = {k: child_a.pseudonym if v == "CHILD" else v for k, v in values.items()}
    if "mother" in values:
        values["birth_date"] = "2019-01-01"
        child_a.sex = "M"
        child_a.save()
    response = api_client_for(ped_a).post(
        "/api/v1/persons/", relative(**values), format="json"
    )
    assert response.status_code == 400, response.json()
    assert response.json()[field][0]["code"] == code
    assert Person.objects.count() == 1


def test_a_child_still_needs_practice_number_and_consent(ped_a: Any) -> None:
    response = api_client_for(ped_a).post(
        "/api/v1/persons/", relative(birth_date="2017-05-14"), format="json"
    )
    assert response.status_code == 400
    body = response.json()
    for field in ("practice", "practice_patient_number", "consent_given_on"):
        assert body[field][0]["code"] == "required", field


def test_administrators_and_epidemiologists_register_no_one(
    administrator: Any, epi: Any, child_a: Person
) -> None:
    for user in (administrator, epi):
        response = api_client_for(user).post(
            "/api/v1/persons/", relative(parent_of=child_a.pseudonym), format="json"
        )
        assert response.status_code == 404
    assert Person.objects.count() == 1
