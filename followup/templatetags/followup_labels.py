"""Task codes in the reader's language, read straight from the choices: Django's
get_FOO_display builds a dictionary of every label (each translated) per call,
which on the queue's fifty rows was most of the page's time."""

from __future__ import annotations

from django import template

from followup.models import Priority, TaskKind, TaskStatus

register = template.Library()


@register.filter
def task_kind_label(code: str) -> str:
    return str(dict(TaskKind.choices).get(code, code))


@register.filter
def priority_label(code: str) -> str:
    return str(dict(Priority.choices).get(code, code))


@register.filter
def task_status_label(code: str) -> str:
    return str(dict(TaskStatus.choices).get(code, code))
