"""Consent withdrawn: the identity is erased with its history, the patient
number blanked; processing stops (episode closed as declined, tasks cancelled,
no invitation, no new result); genetic results stay for their retention."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from followup.models import CareEpisode, CascadeInvitation, Task
from screening import services
from screening.models import GeneticResult, Person, PersonIdentity
from tests.personas import record_result

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _active_ruleset(settings: Any) -> None:
    settings.ACTIVE_PAEDIATRIC_RULESET = "eas2026"


def test_withdrawal_erases_the_identity_and_stops_processing(
    ped_a: Any, child_a: Any
) -> None:
    record_result(
        ped_a, child_a, total_cholesterol=Decimal("7.0"), ldl_cholesterol=Decimal("5.2")
    )
    services.record_genetic_result(
        acting_user=ped_a,
        person=child_a,
        gene="LDLR",
        hgvs_c="c.681C>G",
        acmg_class="pathogenic",
        lab="Genetics lab",
        report_date=timezone.localdate() - timedelta(days=1),
    )
    assert CareEpisode.objects.get(person=child_a).is_open

    services.withdraw_consent(
        acting_user=ped_a, person=child_a, on=timezone.localdate()
    )

    assert not PersonIdentity.objects.filter(person=child_a).exists()
    assert not PersonIdentity.history.filter(person_id=child_a.pk).exists()
    assert Person.objects.get(pk=child_a.pk).practice_patient_number == ""
    assert (
        not Person.history.filter(id=child_a.pk)
        .exclude(practice_patient_number="")
        .exists()
    )
    episode = CareEpisode.objects.get(person=child_a)
    assert (episode.outcome, episode.closed_on) == ("declined", timezone.localdate())
    assert not Task.objects.filter(
        person=child_a, status__in=["open", "claimed"]
    ).exists()
    # What the law keeps stays: the genetic result until its retention date.
    assert GeneticResult.objects.filter(person=child_a).exists()
    # No new result is taken for the child.
    with pytest.raises(ValidationError):
        record_result(ped_a, child_a)


def test_a_withdrawn_relative_is_not_invited(ped_a: Any, child_a: Any) -> None:
    services.record_genetic_result(
        acting_user=ped_a,
        person=child_a,
        gene="LDLR",
        hgvs_c="c.681C>G",
        acmg_class="pathogenic",
        lab="Genetics lab",
        report_date=timezone.localdate() - timedelta(days=1),
    )
    mother = services.register_parent(
        acting_user=ped_a,
        child=child_a,
        sex="F",
        birth_date=date(1985, 1, 1),
        identity=services.IdentityEntry(given_name="M", family_name="Huber"),
    )
    invitation = CascadeInvitation.objects.get(relative=mother)
    services._give_screening_consent(
        mother, on=date(2026, 1, 1), by="self", acting_user=ped_a
    )
    services.withdraw_consent(acting_user=ped_a, person=mother, on=timezone.localdate())
    invitation.refresh_from_db()
    assert invitation.state == "declined"
    assert (
        Task.objects.get(person=mother, kind="cascade_invitation").status == "cancelled"
    )
