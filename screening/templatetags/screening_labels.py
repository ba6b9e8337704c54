"""Codes stored on records, shown in the reader's language."""

from __future__ import annotations

from django import template

from screening.models import ImportRowError, Outcome, ResultSource, SampleType

register = template.Library()


@register.filter
def outcome_label(code: str | None) -> str:
    """An outcome code in words ("" for none)."""
    if not code:
        return ""
    return str(dict(Outcome.choices).get(code, code))


@register.filter
def sample_type_label(code: str) -> str:
    """A sample type in words (capillary, venous)."""
    return str(dict(SampleType.choices).get(code, code))


@register.filter
def source_label(code: str) -> str:
    """Where a result came from in words (form, API, import)."""
    return str(dict(ResultSource.choices).get(code, code))


@register.filter
def reason_in(error: ImportRowError, lang: str) -> str:
    """An import row's reason in the reader's language."""
    return error.reason(lang or "en")
