"""Task codes in the reader's language, read straight from the choices: on the
queue's fifty rows, get_FOO_display was most of the page's time."""

from __future__ import annotations

from django import template

from followup.models import Priority, TaskKind, TaskStatus
from screening.templatetags.screening_labels import choice_label

register = template.Library()


@register.filter
def task_kind_label(code: str) -> str:
    return choice_label(TaskKind, code)


@register.filter
def priority_label(code: str) -> str:
    return choice_label(Priority, code)


@register.filter
def task_status_label(code: str) -> str:
    return choice_label(TaskStatus, code)
