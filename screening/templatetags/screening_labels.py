"""Codes stored on records, shown in the reader's language."""

from __future__ import annotations

from django import template
from django.db import models

from screening.models import ImportRowError, Outcome, ResultSource, SampleType

register = template.Library()


def choice_label(choices: type[models.Choices], code: str) -> str:
    """A stored code in words, read from its choices (Django's get_FOO_display
    translates every label of the field on each call); an unknown code as it is."""
    try:
        return str(choices(code).label)
    except ValueError:
        return str(code)


@register.filter
def outcome_label(code: str | None) -> str:
    """An outcome code in words ("" for none)."""
    if not code:
        return ""
    return choice_label(Outcome, code)


@register.filter
def sample_type_label(code: str) -> str:
    """A sample type in words (capillary, venous)."""
    return choice_label(SampleType, code)


@register.filter
def source_label(code: str) -> str:
    """Where a result came from in words (form, API, import)."""
    return choice_label(ResultSource, code)


@register.filter
def reason_in(error: ImportRowError, lang: str) -> str:
    """An import row's reason in the reader's language."""
    return error.reason(lang or "en")
