"""The care pathway's state machine (pure): every legal and illegal step."""

from __future__ import annotations

import itertools

import pytest

from followup import pathway

OPEN_STATES = pathway.STAGES


@pytest.mark.parametrize(
    ("current", "target"),
    [(a, b) for a, b in itertools.product(OPEN_STATES, OPEN_STATES)],
)
def test_an_open_episode_moves_forward_only(current: str, target: str) -> None:
    forward = OPEN_STATES.index(target) > OPEN_STATES.index(current)
    if forward:
        pathway.check_advance(current, target)  # allowed, skipping stages too
        assert target in pathway.allowed_stages(current)
        return
    with pytest.raises(pathway.TransitionError) as refused:
        pathway.check_advance(current, target)
    expected = "same_stage" if target == current else "backwards"
    assert refused.value.code == expected
    assert target not in pathway.allowed_stages(current)


@pytest.mark.parametrize("target", OPEN_STATES)
def test_a_closed_episode_moves_nowhere(target: str) -> None:
    with pytest.raises(pathway.TransitionError) as refused:
        pathway.check_advance(None, target)
    assert refused.value.code == "closed"
    assert pathway.allowed_stages(None) == ()


@pytest.mark.parametrize(
    ("current", "outcome"), list(itertools.product(OPEN_STATES, pathway.OUTCOMES))
)
def test_an_open_episode_closes_with_any_outcome(current: str, outcome: str) -> None:
    pathway.check_close(current, outcome)


@pytest.mark.parametrize("outcome", pathway.OUTCOMES)
def test_a_closed_episode_does_not_close_again(outcome: str) -> None:
    with pytest.raises(pathway.TransitionError) as refused:
        pathway.check_close(None, outcome)
    assert refused.value.code == "closed"


def test_unknown_stages_and_outcomes_are_refused_by_name() -> None:
    with pytest.raises(pathway.TransitionError) as stage:
        pathway.check_advance(pathway.REPEAT_LIPIDS, "surgery")
    assert stage.value.code == "unknown_stage"
    with pytest.raises(pathway.TransitionError) as outcome:
        pathway.check_close(pathway.REPEAT_LIPIDS, "cured")
    assert outcome.value.code == "unknown_outcome"


def test_every_stage_brings_a_task_and_the_outcomes_are_the_issue_s() -> None:
    assert set(pathway.STAGE_TASK) == set(pathway.STAGES)
    assert pathway.OUTCOMES == (
        "confirmed_fh",
        "not_fh",
        "lost_to_follow_up",
        "moved",
        "declined",
    )
