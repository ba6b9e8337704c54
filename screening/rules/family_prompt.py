"""Unknown family history is not "none": say when asking would change the outcome.

EAS criterion B (and C, Simon Broome's "possible") needs a family finding on top
of the lipids. A child whose family was never asked is assessed on the lipids
alone and may come out `negative` although a positive family history would make
them `positive`. The outcome codes stay as DOMAIN §3g defines them; this adds
the alert `family_history_unknown` and a reason naming the criterion that the
lipids alone already reach, so that the next step is to ask, not "no follow-up".
"""

from __future__ import annotations

from dataclasses import replace
from typing import Protocol

from screening.rules.types import Case, Evaluation, FamilyHistory, Outcome, Reason

FAMILY_HISTORY_UNKNOWN = "family_history_unknown"

# Outcomes a family finding could bring about from `negative`.
_REACHABLE = frozenset({Outcome.POSITIVE, Outcome.DEFINITE, Outcome.REPEAT_NEEDED})


class Evaluates(Protocol):
    @property
    def reads_family_history(self) -> bool: ...

    def evaluate(self, case: Case) -> Evaluation: ...


def with_family_history_prompt(
    ruleset: Evaluates, case: Case, evaluation: Evaluation
) -> Evaluation:
    """`evaluation` of `case`, whose family history is not recorded, with the
    prompt to ask where every family finding at once would flag the child."""
    if evaluation.outcome is not Outcome.NEGATIVE or not ruleset.reads_family_history:
        return evaluation
    supposed = ruleset.evaluate(replace(case, family_history=frozenset(FamilyHistory)))
    if supposed.outcome not in _REACHABLE:
        return evaluation
    reason = Reason(FAMILY_HISTORY_UNKNOWN, (("criterion", supposed.criterion),))
    return replace(
        evaluation,
        alerts=(*evaluation.alerts, FAMILY_HISTORY_UNKNOWN),
        reasons=(*evaluation.reasons, reason),
    )
