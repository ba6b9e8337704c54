"""Reasons stored as text become codes with parameters (migration 0009).

Text cannot be parsed back into codes, so each assessment is evaluated again from
the inputs stored with it, by the same rule set version; where the texts this
gives match the stored ones in both languages, its codes are kept. Otherwise (a
rule set version no longer in the code, a text that differs) the stored texts are
kept verbatim as `legacy_text` reasons, so every assessment reads exactly as
before either way.
"""

from __future__ import annotations

from decimal import InvalidOperation
from itertools import zip_longest
from typing import Any

from screening import rules
from screening.assessing import case_from_inputs, stored_reasons


def reason_codes(
    *,
    ruleset_id: str,
    ruleset_version: str,
    inputs: dict[str, Any],
    alerts: list[str],
    texts_en: list[str],
    texts_de: list[str],
) -> list[list[object]]:
    """The coded form of an assessment's reasons, rendering to exactly its texts."""
    derived = _derived(ruleset_id, ruleset_version, inputs, alerts)
    if derived is not None and (
        list(derived.reasons_text("en")) == list(texts_en)
        and list(derived.reasons_text("de")) == list(texts_de)
    ):
        return stored_reasons(derived.reasons)
    return [
        ["legacy_text", [["en", en], ["de", de]]]
        for en, de in zip_longest(texts_en, texts_de, fillvalue="")
    ]


def _derived(
    ruleset_id: str, version: str, inputs: dict[str, Any], alerts: list[str]
) -> rules.Evaluation | None:
    try:
        ruleset = rules.get_ruleset(ruleset_id)
        case = case_from_inputs(inputs)
    except (rules.UnknownRuleSet, KeyError, ValueError, InvalidOperation):
        return None
    if ruleset.version != version:
        return None
    evaluation = ruleset.evaluate(case)
    if rules.FAMILY_HISTORY_UNKNOWN in alerts:
        evaluation = rules.with_family_history_prompt(ruleset, case, evaluation)
    return evaluation
