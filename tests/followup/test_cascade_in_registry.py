"""The cascade runs by itself: a positive child with registered parents gets
invitations (and queue tasks); a relative who turns out affected extends the
cascade to their own relatives; nothing is proposed twice; an answer moves the
invitation and the queue."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone, translation

from followup import invitations
from followup.models import CareEpisode, CascadeInvitation, Task
from followup.services import FollowUpError
from screening import services as screening
from screening.models import Person
from tests.personas import lab_entry, record_result, register_child

pytestmark = pytest.mark.django_db

HIGH_LDL = {"total_cholesterol": Decimal("7.0"), "ldl_cholesterol": Decimal("5.2")}


@pytest.fixture(autouse=True)
def _active_ruleset(settings: Any) -> None:
    settings.ACTIVE_PAEDIATRIC_RULESET = "eas2026"


def identity(name: str) -> screening.IdentityEntry:
    return screening.IdentityEntry(given_name=name, family_name="Huber")


def add_parent(user: Any, child: Person, sex: str, born: date) -> Person:
    return screening.register_parent(
        acting_user=user, child=child, sex=sex, birth_date=born, identity=identity(sex)
    )


def pathogenic(user: Any, person: Person) -> None:
    screening.record_genetic_result(
        acting_user=user,
        person=person,
        gene="LDLR",
        hgvs_c="c.681C>G",
        acmg_class="pathogenic",
        lab="Genetics lab",
        report_date=timezone.localdate() - timedelta(days=1),
    )


def invited(*people: Person) -> dict[str, tuple[str, str, str, str]]:
    found = CascadeInvitation.objects.filter(relative__in=people).select_related(
        "relative", "because"
    )
    return {
        i.relative.pseudonym: (i.relation, i.test, i.variant, i.because.pseudonym)
        for i in found
    }


def test_a_positive_child_s_parents_are_invited_with_a_task_each(
    ped_a: Any, child_a: Any
) -> None:
    record_result(ped_a, child_a, **HIGH_LDL)
    pathogenic(ped_a, child_a)
    mother = add_parent(ped_a, child_a, "F", date(1985, 1, 1))
    father = add_parent(ped_a, child_a, "M", date(1983, 1, 1))

    assert invited(mother, father) == {
        mother.pseudonym: ("mother", "genetic", "c.681C>G", child_a.pseudonym),
        father.pseudonym: ("father", "genetic", "c.681C>G", child_a.pseudonym),
    }
    tasks = Task.objects.filter(kind="cascade_invitation")
    assert {t.person_id for t in tasks} == {mother.pk, father.pk}
    assert all(t.origin == "cascade" and t.status == "open" for t in tasks)
    invitation = CascadeInvitation.objects.get(relative=mother)
    assert invitation.history.get().history_user == ped_a

    # Planning again (any later event) proposes nothing twice.
    before = (CascadeInvitation.objects.count(), Task.objects.count())
    invitations.replan([child_a.pk, mother.pk], acting_user=ped_a)
    record_result(ped_a, child_a, sample_date=timezone.localdate(), **HIGH_LDL)
    assert (CascadeInvitation.objects.count(), Task.objects.count()) == before


def test_a_phenotypic_index_invites_lipids_and_an_affected_parent_extends_it(
    ped_a: Any, child_a: Any
) -> None:
    record_result(ped_a, child_a, **HIGH_LDL)  # positive, no variant known
    mother = add_parent(ped_a, child_a, "F", date(1985, 1, 1))
    grandmother = add_parent(ped_a, mother, "F", date(1960, 1, 1))
    aunt = screening.register_child_of(
        acting_user=ped_a,
        mother=grandmother,
        father=None,
        sex="F",
        birth_date=date(1988, 1, 1),
        identity=identity("aunt"),
    )
    assert invited(mother) == {
        mother.pseudonym: ("mother", "lipids", "", child_a.pseudonym)
    }
    assert invited(grandmother, aunt) == {}  # the cascade goes on only through affected

    # The mother accepts and is found affected on her own (adult) lipids:
    invitation = CascadeInvitation.objects.get(relative=mother)
    invitations.set_state(invitation, state="invited", acting_user=ped_a)
    invitations.set_state(invitation, state="accepted", acting_user=ped_a)
    assert CareEpisode.objects.get(person=mother).origin == "cascade"
    screening._give_screening_consent(
        mother, on=timezone.localdate(), by="self", acting_user=ped_a
    )
    screening.record_clinical_findings(
        acting_user=ped_a, person=mother, tendon_xanthoma=True
    )
    screening.record_lab_result(
        acting_user=ped_a,
        person=mother,
        entry=lab_entry(
            sample_type="venous",
            total_cholesterol=Decimal("9.5"),
            ldl_cholesterol=Decimal("7.2"),
        ),
    )
    assert CascadeInvitation.objects.get(relative=mother).state == "positive"
    # Her mother is invited through her; her sister shares only that mother
    # (no father is known), so she waits until the grandmother is affected.
    assert invited(grandmother, aunt) == {
        grandmother.pseudonym: ("mother", "lipids", "", mother.pseudonym),
    }


def test_a_declined_invitation_is_final_and_cancels_its_task(
    ped_a: Any, child_a: Any
) -> None:
    pathogenic(ped_a, child_a)
    father = add_parent(ped_a, child_a, "M", date(1983, 1, 1))
    invitation = CascadeInvitation.objects.get(relative=father)
    invitations.set_state(invitation, state="declined", acting_user=ped_a)
    assert (
        Task.objects.get(person=father, kind="cascade_invitation").status == "cancelled"
    )
    invitations.replan([child_a.pk], acting_user=ped_a)
    assert CascadeInvitation.objects.filter(relative=father).count() == 1
    with pytest.raises(FollowUpError) as refused, translation.override("en"):
        invitations.set_state(invitation, state="accepted", acting_user=ped_a)
    assert "cannot become" in str(refused.value)


def test_adults_are_assessed_by_both_adult_rule_sets(ped_a: Any, child_a: Any) -> None:
    mother = add_parent(ped_a, child_a, "F", date(1980, 1, 1))
    screening._give_screening_consent(
        mother, on=timezone.localdate(), by="self", acting_user=ped_a
    )
    recorded = screening.record_lab_result(
        acting_user=ped_a,
        person=mother,
        entry=lab_entry(sample_type="venous", **HIGH_LDL),
    )
    from screening.models import Assessment  # noqa: PLC0415

    assert sorted(
        Assessment.objects.filter(lab_result=recorded.lab_result).values_list(
            "ruleset_id", flat=True
        )
    ) == ["dlcn", "simon-broome-adult"]


def test_an_unlinked_child_plans_nothing(ped_a: Any) -> None:
    child = register_child(ped_a, number="A-9")
    record_result(ped_a, child, **HIGH_LDL)
    assert not CascadeInvitation.objects.exists()
