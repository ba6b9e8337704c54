"""Opening rules, from each entry path: the first assessment that calls for
follow-up opens the person's episode with `repeat_lipids` due 6 weeks after the
sample; `hofh_suspected` adds an urgent `lipid_clinic_referral` due 7 days
after it; later flagged results add nothing twice; an event delivered again
changes nothing."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from followup import services
from followup.models import CareEpisode, Task
from screening import services as screening_services
from screening.models import Assessment, Person
from screening.reassessment import reassess
from screening.signals import assessment_recorded
from tests.personas import api_client_for, client_for, lab_entry, record_result
from tests.screening.imports.conftest import DATA, import_file

pytestmark = pytest.mark.django_db

HIGH_LDL = {"total_cholesterol": Decimal("7.0"), "ldl_cholesterol": Decimal("5.2")}
HOFH_LDL = {
    "total_cholesterol": Decimal("12.0"),
    "hdl_cholesterol": Decimal("1.0"),
    "ldl_cholesterol": Decimal("10.5"),
}


@pytest.fixture(autouse=True)
def _active_ruleset(settings: Any) -> None:
    settings.ACTIVE_PAEDIATRIC_RULESET = "eas2026"


def _state(*people: Person) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], int]:
    """Episodes, tasks and history rows of `people`: 'nothing changed' compares."""
    episodes = list(
        CareEpisode.objects.filter(person__in=people)
        .order_by("pk")
        .values_list("pk", "person_id", "stage", "opened_by_id", "screened_on")
    )
    tasks = list(
        Task.objects.filter(person__in=people)
        .order_by("pk")
        .values_list("pk", "kind", "due_date", "priority", "status")
    )
    history = (
        CareEpisode.history.filter(person__in=people).count()
        + Task.history.filter(person__in=people).count()
    )
    return episodes, tasks, history


def _redeliver(assessments: Any, user: Any) -> None:
    assessment_recorded.send(
        sender=Assessment, assessments=assessments, acting_user=user
    )


def test_the_form_opens_an_episode_with_repeat_lipids_due_six_weeks_after_the_sample(
    ped_a: Any, child_a: Any
) -> None:
    sampled = timezone.localdate() - timedelta(days=3)
    response = client_for(ped_a).post(
        f"/screening/children/{child_a.pseudonym}/results/new/",
        {
            "sample_date": sampled.isoformat(),
            "sample_type": "capillary",
            "fasting": "unknown",
            "unit": "mmol/L",
            "total_cholesterol": "7.0",
            "hdl_cholesterol": "1.3",
            "ldl_cholesterol": "5.2",
            "ldl_method": "direct",
            "triglycerides": "1.1",
        },
    )
    assert response.status_code == 302
    episode = CareEpisode.objects.get(person=child_a)
    assessment = Assessment.objects.get(person=child_a)
    assert (episode.stage, episode.origin, episode.screened_on) == (
        "repeat_lipids",
        "screening",
        sampled,
    )
    assert episode.opened_by_id == assessment.pk
    task = Task.objects.get(person=child_a)
    assert (task.kind, task.due_date, task.priority, task.status, task.episode_id) == (
        "repeat_lipids",
        sampled + timedelta(weeks=6),
        "routine",
        "open",
        episode.pk,
    )
    assert task.practice_id == child_a.practice_id  # the queue filters by it
    # Audited with the user who entered the result.
    assert episode.history.get().history_user == ped_a
    assert task.history.get().history_user == ped_a

    before = _state(child_a)
    _redeliver([assessment], ped_a)
    assert _state(child_a) == before


def test_the_api_opens_an_episode_and_hofh_adds_an_urgent_referral(
    ped_a: Any, child_a: Any
) -> None:
    sampled = timezone.localdate() - timedelta(days=2)
    response = api_client_for(ped_a).post(
        "/api/v1/lab-results/",
        {
            "person": child_a.pseudonym,
            "sample_date": sampled.isoformat(),
            "sample_type": "venous",
            "fasting": True,
            "unit": "mmol/L",
            "total_cholesterol": "12.0",
            "hdl_cholesterol": "1.0",
            "ldl_cholesterol": "10.5",
            "ldl_method": "direct",
            "triglycerides": "1.1",
            "confirm_extreme_values": True,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    tasks = {
        t.kind: (t.due_date, t.priority) for t in Task.objects.filter(person=child_a)
    }
    assert tasks == {
        "repeat_lipids": (sampled + timedelta(days=42), "routine"),
        "lipid_clinic_referral": (sampled + timedelta(days=7), "urgent"),
    }


def test_a_later_flagged_result_adds_no_episode_and_no_duplicate_task(
    ped_a: Any, child_a: Any
) -> None:
    today = timezone.localdate()
    record_result(ped_a, child_a, sample_date=today - timedelta(days=30), **HIGH_LDL)
    first = _state(child_a)
    record_result(ped_a, child_a, sample_date=today - timedelta(days=2), **HIGH_LDL)
    assert _state(child_a) == first

    # A later urgent result adds the referral the episode did not have, once.
    screening_services.record_lab_result(
        acting_user=ped_a,
        person=child_a,
        entry=lab_entry(sample_date=today - timedelta(days=1), **HOFH_LDL),
        confirm_extreme=True,
    )
    assert CareEpisode.objects.filter(person=child_a).count() == 1
    assert sorted(
        Task.objects.filter(person=child_a).values_list("kind", flat=True)
    ) == [
        "lipid_clinic_referral",
        "repeat_lipids",
    ]
    assessments = list(Assessment.objects.filter(person=child_a))
    before = _state(child_a)
    _redeliver(assessments, ped_a)
    assert _state(child_a) == before


def test_negative_results_open_nothing(ped_a: Any, child_a: Any) -> None:
    record_result(ped_a, child_a)
    assert not CareEpisode.objects.exists()
    assert not Task.objects.exists()


def test_repeat_needed_opens_an_episode(
    settings: Any, ped_a: Any, child_a: Any
) -> None:
    settings.ACTIVE_PAEDIATRIC_RULESET = "eas2015"  # two-occasion criterion A
    recorded = record_result(ped_a, child_a, **HIGH_LDL)
    assert recorded.assessment.outcome == "repeat_needed"
    assert (
        CareEpisode.objects.filter(person=child_a, closed_on__isnull=True).count() == 1
    )


def test_a_genetic_diagnosis_opens_an_episode(ped_a: Any, child_a: Any) -> None:
    record_result(ped_a, child_a)  # negative on lipids
    screening_services.record_genetic_result(
        acting_user=ped_a,
        person=child_a,
        gene="LDLR",
        hgvs_c="c.681C>G",
        acmg_class="pathogenic",
        lab="Genetics lab",
        report_date=timezone.localdate() - timedelta(days=1),
    )
    episode = CareEpisode.objects.get(person=child_a)
    assert episode.opened_by is not None
    assert episode.opened_by.outcome == "definite"


def test_after_a_closed_episode_only_a_newer_sample_opens_another(
    coord: Any, ped_a: Any, child_a: Any
) -> None:
    today = timezone.localdate()
    record_result(ped_a, child_a, sample_date=today - timedelta(days=60), **HIGH_LDL)
    episode = CareEpisode.objects.get(person=child_a)
    services.close(
        episode, outcome="not_fh", acting_user=coord, on=today - timedelta(days=10)
    )
    # A result from before the closing (entered late) reopens nothing...
    record_result(ped_a, child_a, sample_date=today - timedelta(days=20), **HIGH_LDL)
    assert CareEpisode.objects.filter(person=child_a).count() == 1
    # ...a new one after it opens a new episode.
    record_result(ped_a, child_a, sample_date=today - timedelta(days=1), **HIGH_LDL)
    assert CareEpisode.objects.filter(person=child_a).count() == 2
    assert (
        CareEpisode.objects.filter(person=child_a, closed_on__isnull=True).count() == 1
    )


def test_an_import_opens_one_episode_per_flagged_child_set_based_and_once(
    settings: Any, tmp_path: Path, ped_a: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    batch = import_file(ped_a, DATA / "import_sample.csv")

    flagged: dict[int, list[date]] = defaultdict(list)
    for assessment in Assessment.objects.filter(import_batch=batch).select_related(
        "lab_result"
    ):
        if assessment.outcome in ("positive", "definite", "repeat_needed"):
            flagged[assessment.person_id].append(assessment.lab_result.sample_date)
    assert flagged, "the sample file has flagged children"
    assert any(len(days) > 1 for days in flagged.values()), "one with two results"
    episodes = {e.person_id: e for e in CareEpisode.objects.all()}
    assert set(episodes) == set(flagged)
    for person_id, days in flagged.items():
        assert episodes[person_id].screened_on == min(days)
        task = Task.objects.get(person_id=person_id)
        assert (task.kind, task.due_date) == (
            "repeat_lipids",
            min(days) + timedelta(days=42),
        )
        assert task.history.get().history_user == ped_a

    people = list(Person.objects.filter(pk__in=flagged))
    before = _state(*people)
    _redeliver(Assessment.objects.filter(import_batch=batch), ped_a)  # a retried task
    assert _state(*people) == before


def test_a_reassessment_opens_episodes_for_newly_flagged_children_once(
    settings: Any, administrator: Any, ped_a: Any, child_a: Any
) -> None:
    # Under EAS 2026 LDL-C 4.2 is below the > 4.5 threshold: negative...
    record_result(
        ped_a, child_a, total_cholesterol=Decimal("6.0"), ldl_cholesterol=Decimal("4.2")
    )
    assert not CareEpisode.objects.exists()
    # ...NHLBI/VRONI's >= 130 mg/dL (3.36 mmol/L) flags it.
    settings.ACTIVE_PAEDIATRIC_RULESET = "vroni"
    reassess(ruleset_id="vroni", acting_user=administrator)
    episode = CareEpisode.objects.get(person=child_a)
    assert episode.opened_by is not None
    assert episode.opened_by.ruleset_id == "vroni"
    assert episode.history.get().history_user == administrator

    before = _state(child_a)
    reassess(ruleset_id="vroni", acting_user=administrator)  # run twice
    assert _state(child_a) == before
