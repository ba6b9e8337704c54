"""The lists' query parameters: the task list reads through `tasks_for`, the
queue page's read, so page and API agree on what a filter means; episodes and
contact attempts use django-filter sets."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils import timezone
from rest_framework import serializers

from fh_registry.access import Viewer
from followup.models import (
    ACTIVE_STATUSES,
    CareEpisode,
    ContactAttempt,
    Priority,
    Task,
    TaskKind,
    TaskStatus,
)
from followup.queries import QueueFilters, tasks_for

ACTIVE = "active"


class TaskQuery(serializers.Serializer):
    """The task list's filters; each left out means "any"."""

    person = serializers.CharField(required=False, help_text="A person's pseudonym.")
    status = serializers.ChoiceField(
        choices=[*TaskStatus.values, ACTIVE],
        required=False,
        help_text='A status, or "active" for open and claimed tasks.',
    )
    kind = serializers.ChoiceField(choices=TaskKind.values, required=False)
    priority = serializers.ChoiceField(choices=Priority.values, required=False)
    overdue = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="true: active tasks due before today; false: all others.",
    )
    assignee = serializers.CharField(
        required=False, help_text='A username, "me" or "none" (unassigned).'
    )
    practice = serializers.CharField(required=False, help_text="A practice code.")


def task_list(user: Viewer, params: Any) -> QuerySet[Task]:
    """The user's in-scope tasks matching `params`, urgent first, then by due date."""
    query = TaskQuery(data=params)
    query.is_valid(raise_exception=True)
    wanted = query.validated_data
    overdue = wanted["overdue"]
    today = timezone.localdate()
    filters = QueueFilters(
        person=wanted.get("person", ""),
        status=wanted.get("status", ""),  # left out: every status
        kind=wanted.get("kind", ""),
        priority=wanted.get("priority", ""),
        overdue=overdue is True,
        assignee=wanted.get("assignee", ""),
        practice=wanted.get("practice", ""),
    )
    tasks = tasks_for(user, filters, today=today)
    if overdue is False:
        tasks = tasks.exclude(status__in=ACTIVE_STATUSES, due_date__lt=today)
    return tasks


class CareEpisodeFilter(django_filters.FilterSet):
    person = django_filters.CharFilter(
        field_name="person__pseudonym", help_text="A person's pseudonym."
    )

    class Meta:
        model = CareEpisode
        fields = ["person", "stage", "outcome"]


class ContactAttemptFilter(django_filters.FilterSet):
    person = django_filters.CharFilter(
        field_name="person__pseudonym", help_text="A person's pseudonym."
    )
    # A number, not a model choice: an unscoped choice would answer 400 for a
    # task that does not exist and 200 for one out of scope, telling them apart.
    task = django_filters.NumberFilter(field_name="task_id", help_text="A task's id.")

    class Meta:
        model = ContactAttempt
        fields = ["person", "task", "channel", "outcome"]
