"""The registry of rule sets: adding a rule set is one module and one line here."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from types import MappingProxyType
from typing import Protocol

from screening.rules import dlcn, eas2015, eas2026, simon_broome, vroni
from screening.rules.types import Case, Evaluation, Unit
from screening.rules.units import Threshold


class RuleSet(Protocol):
    """What every rule set offers: identity, age range, thresholds, evaluate."""

    @property
    def id(self) -> str: ...
    @property
    def version(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def citation(self) -> str: ...
    @property
    def canonical_unit(self) -> Unit: ...
    @property
    def min_age_years(self) -> Decimal | None: ...
    @property
    def max_age_years(self) -> Decimal | None: ...
    @property
    def thresholds(self) -> tuple[Threshold, ...]: ...
    @property
    def notes(self) -> tuple[str, ...]: ...

    def evaluate(self, case: Case) -> Evaluation: ...
    def criterion_with_family(
        self, case: Case, evaluation: Evaluation
    ) -> str | None: ...


class UnknownRuleSet(KeyError):  # noqa: N818 - name fixed by the project API
    """Raised for a rule set id that is not registered."""

    def __str__(self) -> str:
        return str(self.args[0])


_ALL: tuple[RuleSet, ...] = (
    vroni.RULESET,
    eas2015.RULESET,
    eas2026.RULESET,
    simon_broome.PAEDIATRIC,
    dlcn.RULESET,
    simon_broome.ADULT,
)

RULESETS: Mapping[str, RuleSet] = MappingProxyType({rs.id: rs for rs in _ALL})
PAEDIATRIC_RULESET_IDS = ("vroni", "eas2015", "eas2026", "simon-broome-paediatric")
ADULT_RULESET_IDS = ("dlcn", "simon-broome-adult")


def get_ruleset(ruleset_id: str) -> RuleSet:
    """The rule set registered as `ruleset_id`."""
    try:
        return RULESETS[ruleset_id]
    except KeyError:
        known = ", ".join(RULESETS)
        msg = f"unknown rule set {ruleset_id!r}; known rule sets: {known}"
        raise UnknownRuleSet(msg) from None
