"""Codes stored on records, shown in the reader's language."""

from __future__ import annotations

from django import template

from screening.models import Outcome

register = template.Library()


@register.filter
def outcome_label(code: str | None) -> str:
    """An outcome code in words ("" for none)."""
    if not code:
        return ""
    return str(Outcome(code).label)
