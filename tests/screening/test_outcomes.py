"""One list of outcome codes: the stored choices are the rule engine's, in the
order DOMAIN §3g checks them, each with words in both languages."""

from __future__ import annotations

from django.utils import translation

from screening import rules
from screening.models import Alert, Outcome


def test_the_stored_outcomes_are_the_rule_engines() -> None:
    assert Outcome.values == [outcome.value for outcome in rules.Outcome]


def test_every_outcome_and_alert_has_words_in_both_languages() -> None:
    for lang in ("en", "de"):
        with translation.override(lang):
            for choices in (Outcome, Alert):
                labels = [str(label) for label in choices.labels]
                assert all(
                    label not in choices.values for label in labels if "_" in label
                )
                assert len(set(labels)) == len(labels)
    with translation.override("de"):
        assert str(Outcome.NEEDS_DIRECT_LDL.label) == "direkt gemessenes LDL-C nötig"
        assert (
            str(Alert.FAMILY_HISTORY_UNKNOWN.label) == "Familienanamnese nicht erfasst"
        )
    assert rules.FAMILY_HISTORY_UNKNOWN == Alert.FAMILY_HISTORY_UNKNOWN
