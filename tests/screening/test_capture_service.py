"""record_lab_result: stored as entered and in SI, audited, assessed, announced."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from screening import services
from screening.models import Assessment, LabResult
from screening.signals import assessment_recorded
from tests.personas import lab_entry

pytestmark = pytest.mark.django_db


@pytest.fixture
def announced() -> Iterator[list[Assessment]]:
    received: list[Assessment] = []

    def receiver(
        sender: Any, assessments: list[Assessment], acting_user: Any, **kwargs: Any
    ) -> None:
        received.extend(assessments)

    assessment_recorded.connect(receiver, dispatch_uid="test-announced")
    yield received
    assessment_recorded.disconnect(dispatch_uid="test-announced")


def test_result_is_stored_as_entered_and_in_mmol_l(ped_a: Any, child_a: Any) -> None:
    recorded = services.record_lab_result(
        acting_user=ped_a,
        person=child_a,
        entry=lab_entry(
            unit="mg/dL",
            total_cholesterol=Decimal("210"),
            hdl_cholesterol=Decimal("50"),
            ldl_cholesterol=Decimal("154.68"),
            triglycerides=Decimal("88.57"),
        ),
    )
    result = LabResult.objects.get(pk=recorded.lab_result.pk)
    assert result.entered_unit == "mg/dL"
    assert result.ldl_cholesterol_entered == Decimal("154.68")
    assert result.ldl_mmol_l == Decimal("4.000000")
    assert result.tg_mmol_l == Decimal("1.000000")
    assert result.source == "form"


def test_history_rows_name_the_acting_user(ped_a: Any, child_a: Any) -> None:
    recorded = services.record_lab_result(
        acting_user=ped_a, person=child_a, entry=lab_entry()
    )
    result_history = recorded.lab_result.history.get()
    assert result_history.history_user == ped_a
    assert result_history.history_type == "+"
    # An assessment is its own record: its author is on the row.
    assert Assessment.objects.get(pk=recorded.assessment.pk).created_by == ped_a


def test_positive_result_is_assessed_and_announced_once(
    ped_a: Any, child_a: Any, announced: list[Assessment]
) -> None:
    recorded = services.record_lab_result(
        acting_user=ped_a,
        person=child_a,
        entry=lab_entry(
            total_cholesterol=Decimal("7.1"), ldl_cholesterol=Decimal("5.3")
        ),
    )
    assert recorded.assessment.outcome == "positive"
    assert recorded.assessment.ruleset_id == "eas2026"
    assert any("5.3" in reason for reason in recorded.assessment.reasons("en"))
    assert announced == [recorded.assessment]


def test_a_negative_result_is_announced_too(
    ped_a: Any, child_a: Any, announced: list[Assessment]
) -> None:
    """Every new assessment is announced: the follow-up side decides what calls
    for an episode, and a negative result can settle a relative's cascade."""
    recorded = services.record_lab_result(
        acting_user=ped_a, person=child_a, entry=lab_entry()
    )
    assert recorded.assessment.outcome == "negative"
    assert announced == [recorded.assessment]


def test_second_result_reevaluates_two_occasion_criterion(
    ped_a: Any, child_a: Any, settings: Any
) -> None:
    settings.ACTIVE_PAEDIATRIC_RULESET = "eas2015"
    today = timezone.localdate()
    first = services.record_lab_result(
        acting_user=ped_a,
        person=child_a,
        entry=lab_entry(
            sample_date=today - timedelta(days=100),
            total_cholesterol=Decimal("7.0"),
            ldl_cholesterol=Decimal("5.1"),
        ),
    )
    second = services.record_lab_result(
        acting_user=ped_a,
        person=child_a,
        entry=lab_entry(
            sample_date=today,
            total_cholesterol=Decimal("7.2"),
            ldl_cholesterol=Decimal("5.2"),
        ),
    )
    assert (first.assessment.outcome, first.assessment.criterion) == (
        "repeat_needed",
        "A",
    )
    assert (second.assessment.outcome, second.assessment.criterion) == ("positive", "A")


def test_friedewald_is_computed_when_ldl_is_blank(ped_a: Any, child_a: Any) -> None:
    recorded = services.record_lab_result(
        acting_user=ped_a,
        person=child_a,
        entry=lab_entry(
            total_cholesterol=Decimal("5.0"),
            hdl_cholesterol=Decimal("1.2"),
            ldl_cholesterol=None,
            ldl_method="unknown",
            triglycerides=Decimal("1.1"),
        ),
    )
    result = LabResult.objects.get(pk=recorded.lab_result.pk)
    assert result.ldl_computed_here is True
    assert result.ldl_method == "calculated"
    assert result.ldl_cholesterol_entered is None
    assert result.ldl_mmol_l == Decimal("3.300000")  # 5.0 - 1.2 - 1.1/2.2
    assert "calculated_ldl" in recorded.assessment.alerts


@pytest.mark.parametrize(
    ("values", "field", "code"),
    [
        (
            {"ldl_cholesterol": Decimal("4.5"), "total_cholesterol": Decimal("4.4")},
            "ldl_cholesterol",
            "ldl_exceeds_tc",
        ),
        (
            {
                "total_cholesterol": Decimal("5.0"),
                "hdl_cholesterol": Decimal("1.5"),
                "ldl_cholesterol": Decimal("3.8"),
            },
            "ldl_cholesterol",
            "ldl_exceeds_non_hdl",
        ),
        (
            {"hdl_cholesterol": Decimal("4.3"), "total_cholesterol": Decimal("4.2")},
            "hdl_cholesterol",
            "hdl_exceeds_tc",
        ),
        ({"triglycerides": Decimal("60")}, "triglycerides", "out_of_range"),
        ({"hdl_cholesterol": Decimal("0.1")}, "hdl_cholesterol", "out_of_range"),
    ],
)
def test_implausible_values_are_refused_with_field_and_code(
    ped_a: Any, child_a: Any, values: dict[str, Decimal], field: str, code: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        services.record_lab_result(
            acting_user=ped_a, person=child_a, entry=lab_entry(**values)
        )
    assert code in [e.code for e in caught.value.error_dict[field]]
    assert LabResult.objects.count() == 0
    assert Assessment.objects.count() == 0


def test_extreme_value_needs_confirmation(ped_a: Any, child_a: Any) -> None:
    entry = lab_entry(
        unit="mg/dL",
        total_cholesterol=Decimal("420"),
        hdl_cholesterol=Decimal("45"),
        ldl_cholesterol=Decimal("350"),
        triglycerides=Decimal("90"),
    )
    with pytest.raises(ValidationError) as caught:
        services.record_lab_result(acting_user=ped_a, person=child_a, entry=entry)
    assert [e.code for e in caught.value.error_dict["ldl_cholesterol"]] == [
        "needs_confirmation"
    ]
    recorded = services.record_lab_result(
        acting_user=ped_a, person=child_a, entry=entry, confirm_extreme=True
    )
    assert recorded.assessment.outcome == "positive"


def test_hofh_suspected_is_raised_above_10_mmol_l(ped_a: Any, child_a: Any) -> None:
    recorded = services.record_lab_result(
        acting_user=ped_a,
        person=child_a,
        entry=lab_entry(
            total_cholesterol=Decimal("12.5"), ldl_cholesterol=Decimal("10.6")
        ),
        confirm_extreme=True,
    )
    assert "hofh_suspected" in recorded.assessment.alerts
    assert recorded.assessment.is_urgent


def test_no_result_without_screening_consent(ped_a: Any, child_a: Any) -> None:
    consent = child_a.consents.get()
    consent.withdrawn_on = timezone.localdate() - timedelta(days=2)
    consent.save()
    with pytest.raises(ValidationError) as caught:
        services.record_lab_result(acting_user=ped_a, person=child_a, entry=lab_entry())
    assert caught.value.error_dict["person"][0].code == "no_consent"


def test_assessments_are_immutable(ped_a: Any, child_a: Any) -> None:
    recorded = services.record_lab_result(
        acting_user=ped_a, person=child_a, entry=lab_entry()
    )
    recorded.assessment.outcome = "positive"
    with pytest.raises(ValueError, match="immutable"):
        recorded.assessment.save()


def test_genetic_diagnosis_reassesses_the_child_as_definite(
    ped_a: Any, child_a: Any
) -> None:
    services.record_lab_result(acting_user=ped_a, person=child_a, entry=lab_entry())
    services.record_genetic_result(
        acting_user=ped_a,
        person=child_a,
        gene="LDLR",
        hgvs_c="c.1775G>A",
        acmg_class="pathogenic",
        lab="Humangenetik München",
        report_date=timezone.localdate(),
    )
    latest = Assessment.objects.filter(person=child_a).order_by("-pk").first()
    assert latest is not None
    assert (latest.outcome, latest.criterion) == ("definite", "genetic")


def test_friedewald_is_the_samples_own_even_when_another_occasion_decides(
    ped_a: Any, child_a: Any
) -> None:
    """EAS 2026 A rests on the first sample's 5.3; the second stores its own 3.3."""
    today = timezone.localdate()
    services.record_lab_result(
        acting_user=ped_a,
        person=child_a,
        entry=lab_entry(
            sample_date=today - timedelta(days=30),
            total_cholesterol=Decimal("7.1"),
            ldl_cholesterol=Decimal("5.3"),
        ),
    )
    second = services.record_lab_result(
        acting_user=ped_a,
        person=child_a,
        entry=lab_entry(
            sample_date=today,
            total_cholesterol=Decimal("5.0"),
            hdl_cholesterol=Decimal("1.2"),
            ldl_cholesterol=None,
            ldl_method="unknown",
            triglycerides=Decimal("1.1"),
        ),
    )
    assert (second.assessment.outcome, second.assessment.criterion) == ("positive", "A")
    result = LabResult.objects.get(pk=second.lab_result.pk)
    assert result.ldl_computed_here is True
    assert result.ldl_mmol_l == Decimal("3.300000")
    # Written once, complete: one "+" history row, no follow-up update.
    assert [h.history_type for h in result.history.all()] == ["+"]


@pytest.fixture
def lost_race(monkeypatch: pytest.MonkeyPatch) -> None:
    """The precondition read sees nothing, as when a concurrent request stored the
    same result just after it: only the database's unique constraints catch it."""
    read = services._preconditions

    def blind_to_the_other_request(**kwargs: Any) -> Any:
        return dataclasses.replace(read(**kwargs), duplicate=False, retried=False)

    monkeypatch.setattr(services, "_preconditions", blind_to_the_other_request)


def test_a_retry_that_loses_the_race_returns_the_first_result(
    ped_a: Any, child_a: Any, lost_race: None
) -> None:
    first = services.record_lab_result(
        acting_user=ped_a, person=child_a, entry=lab_entry(), idempotency_key="k-1"
    )
    again = services.record_lab_result(
        acting_user=ped_a, person=child_a, entry=lab_entry(), idempotency_key="k-1"
    )
    assert (first.created, again.created) == (True, False)
    assert again.lab_result.pk == first.lab_result.pk
    assert again.assessment.pk == first.assessment.pk
    assert LabResult.objects.count() == 1
    assert Assessment.objects.count() == 1
    assert LabResult.history.count() == 1


def test_a_duplicate_sample_that_loses_the_race_is_refused_whole(
    ped_a: Any, child_a: Any, lost_race: None
) -> None:
    entry = lab_entry(lab_sample_id="L-7")
    services.record_lab_result(acting_user=ped_a, person=child_a, entry=entry)
    with pytest.raises(ValidationError) as raised:
        services.record_lab_result(acting_user=ped_a, person=child_a, entry=entry)
    assert raised.value.error_dict["lab_sample_id"][0].code == "duplicate_sample"
    assert LabResult.objects.count() == 1
    assert Assessment.objects.count() == 1


def test_a_result_with_unknown_fasting_state_is_stored(
    ped_a: Any, child_a: Any
) -> None:
    recorded = services.record_lab_result(
        acting_user=ped_a, person=child_a, entry=lab_entry(fasting=None)
    )
    assert LabResult.objects.get(pk=recorded.lab_result.pk).fasting is None
