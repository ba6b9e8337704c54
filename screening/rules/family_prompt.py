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
    def evaluate(self, case: Case) -> Evaluation: ...


class AnswersFamilyPrompt(Evaluates, Protocol):
    def criterion_with_family(self, case: Case, evaluation: Evaluation) -> str | None:
        """The criterion that every family finding at once would meet for
        `case`, whose `evaluation` is negative; None if none would flag it."""
        ...


def supposing_every_finding(ruleset: Evaluates, case: Case) -> str | None:
    """`criterion_with_family` by evaluating `case` once more with every family
    finding: right for any rule set."""
    supposed = ruleset.evaluate(replace(case, family_history=frozenset(FamilyHistory)))
    return supposed.criterion if supposed.outcome in _REACHABLE else None


def with_family_history_prompt(
    ruleset: AnswersFamilyPrompt, case: Case, evaluation: Evaluation
) -> Evaluation:
    """`evaluation` of `case`, whose family history is not recorded, with the
    prompt to ask where every family finding at once would flag the child."""
    if evaluation.outcome is not Outcome.NEGATIVE:
        return evaluation
    criterion = ruleset.criterion_with_family(case, evaluation)
    if criterion is None:
        return evaluation
    reason = Reason(FAMILY_HISTORY_UNKNOWN, (("criterion", criterion),))
    return replace(
        evaluation,
        alerts=(*evaluation.alerts, FAMILY_HISTORY_UNKNOWN),
        reasons=(*evaluation.reasons, reason),
    )
