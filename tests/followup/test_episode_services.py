"""The pathway's services: audited transitions with the acting user, refusals
with clear messages, one open episode per person, closing cancels tasks."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from followup import services
from followup.models import CareEpisode, EpisodeOrigin, Task
from tests.personas import record_result

pytestmark = pytest.mark.django_db

HIGH_LDL = {"total_cholesterol": Decimal("7.0"), "ldl_cholesterol": Decimal("5.2")}


@pytest.fixture(autouse=True)
def _active_ruleset(settings: Any) -> None:
    settings.ACTIVE_PAEDIATRIC_RULESET = "eas2026"


@pytest.fixture
def episode(ped_a: Any, child_a: Any) -> CareEpisode:
    record_result(ped_a, child_a, **HIGH_LDL)
    return CareEpisode.objects.get(person=child_a)


def test_advancing_is_audited_with_the_user_and_brings_the_stage_s_task(
    coord: Any, episode: CareEpisode
) -> None:
    visit = timezone.localdate() - timedelta(days=2)
    services.advance(episode, stage="lipid_clinic", on=visit, acting_user=coord)

    episode.refresh_from_db()
    assert (episode.stage, episode.lipid_clinic_on) == ("lipid_clinic", visit)
    latest = episode.history.latest()
    assert (latest.stage, latest.history_user) == ("lipid_clinic", coord)
    referral = Task.objects.get(episode=episode, kind="lipid_clinic_referral")
    assert referral.history.get().history_user == coord


def test_an_illegal_step_is_refused_with_a_message_and_changes_nothing(
    coord: Any, episode: CareEpisode
) -> None:
    services.advance(episode, stage="diet", acting_user=coord)
    rows = episode.history.count()

    with pytest.raises(services.FollowUpError) as refused, translation.override("en"):
        services.advance(episode, stage="repeat_lipids", acting_user=coord)

    assert refused.value.code == "backwards"
    assert "forward only" in refused.value.message
    episode.refresh_from_db()
    assert episode.stage == "diet"
    assert episode.history.count() == rows


def test_closing_cancels_active_tasks_and_a_closed_episode_stays_closed(
    coord: Any, episode: CareEpisode
) -> None:
    services.close(episode, outcome="not_fh", acting_user=coord, note="normal repeat")

    episode.refresh_from_db()
    assert (episode.outcome, episode.closed_on) == ("not_fh", timezone.localdate())
    assert set(
        Task.objects.filter(episode=episode).values_list("status", flat=True)
    ) == {"cancelled"}
    for step in (
        lambda: services.close(episode, outcome="moved", acting_user=coord),
        lambda: services.advance(episode, stage="diet", acting_user=coord),
    ):
        with pytest.raises(services.FollowUpError) as refused:
            step()
        assert refused.value.code == "closed"


def test_a_person_has_at_most_one_open_episode(
    coord: Any, child_a: Any, episode: CareEpisode
) -> None:
    again = services.open_episode(
        person=child_a, origin=EpisodeOrigin.MANUAL, acting_user=coord
    )
    assert again.pk == episode.pk
    with pytest.raises(IntegrityError), transaction.atomic():
        CareEpisode.objects.create(
            person=child_a, origin="manual", opened_on=timezone.localdate()
        )


def test_a_manual_episode_opens_with_the_first_stage_s_task(
    coord: Any, child_b: Any
) -> None:
    opened = services.open_episode(
        person=child_b, origin=EpisodeOrigin.CASCADE, acting_user=coord
    )
    assert (opened.stage, opened.origin) == ("repeat_lipids", "cascade")
    assert opened.history.get().history_user == coord
    assert Task.objects.filter(episode=opened, kind="repeat_lipids").count() == 1
