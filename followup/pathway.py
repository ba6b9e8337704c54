"""The care pathway after a positive screen as a state machine (DOMAIN §6).

Pure Python, no Django: the services ask here whether a step is allowed and
which task a stage brings; the pages and the API show the refusal's message.
"""

from __future__ import annotations

# The stages in pathway order. An episode moves forward, one stage or several
# at once (a child with LDL-C >= 250 mg/dL goes straight to the lipid clinic,
# DOMAIN §6.4), never back: a step already taken is in the episode's history.
REPEAT_LIPIDS = "repeat_lipids"
SECONDARY_CAUSES = "secondary_causes"
GENETIC_TESTING = "genetic_testing"
LIPID_CLINIC = "lipid_clinic"
DIET = "diet"
TREATMENT = "treatment"
ON_TARGET_CHECK = "on_target_check"

STAGES: tuple[str, ...] = (
    REPEAT_LIPIDS,
    SECONDARY_CAUSES,
    GENETIC_TESTING,
    LIPID_CLINIC,
    DIET,
    TREATMENT,
    ON_TARGET_CHECK,
)

# How an episode ends.
CONFIRMED_FH = "confirmed_fh"
NOT_FH = "not_fh"
LOST_TO_FOLLOW_UP = "lost_to_follow_up"
MOVED = "moved"
DECLINED = "declined"

OUTCOMES: tuple[str, ...] = (CONFIRMED_FH, NOT_FH, LOST_TO_FOLLOW_UP, MOVED, DECLINED)

# The task each stage brings when an episode enters it (kind = stage name,
# except the clinic, whose task is the referral).
STAGE_TASK: dict[str, str] = {
    REPEAT_LIPIDS: "repeat_lipids",
    SECONDARY_CAUSES: "secondary_causes",
    GENETIC_TESTING: "genetic_counselling",
    LIPID_CLINIC: "lipid_clinic_referral",
    DIET: "diet",
    TREATMENT: "treatment_start",
    ON_TARGET_CHECK: "on_target_check",
}


class TransitionError(Exception):
    """A step the pathway does not allow; `code` is stable, the message is for
    people (the caller translates it)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def check_advance(current: str | None, target: str) -> None:
    """Refuse moving an episode at `current` (None: closed) to stage `target`."""
    if target not in STAGES:
        raise TransitionError(
            "unknown_stage", f"'{target}' is not a stage of the pathway."
        )
    if current is None:
        raise TransitionError(
            "closed", "The episode is closed; open a new one instead."
        )
    if target == current:
        raise TransitionError("same_stage", "The episode is already at this stage.")
    if STAGES.index(target) < STAGES.index(current):
        raise TransitionError(
            "backwards",
            "The pathway moves forward only; the earlier step is in the "
            "episode's history.",
        )


def check_close(current: str | None, outcome: str) -> None:
    """Refuse closing an episode at `current` (None: closed) with `outcome`."""
    if outcome not in OUTCOMES:
        raise TransitionError(
            "unknown_outcome", f"'{outcome}' is not an episode outcome."
        )
    if current is None:
        raise TransitionError("closed", "The episode is already closed.")


def allowed_stages(current: str | None) -> tuple[str, ...]:
    """The stages an episode at `current` may move to, in pathway order."""
    if current is None:
        return ()
    return STAGES[STAGES.index(current) + 1 :]
