"""Follow-up records for administrators: read-only with their history, as the
screening records are (followup.services own every write)."""

from __future__ import annotations

from django.contrib import admin

from followup.models import CareEpisode, Task
from screening.admin import ReadOnlyClinicalAdmin


@admin.register(CareEpisode)
class CareEpisodeAdmin(ReadOnlyClinicalAdmin):
    list_display = ("person", "stage", "opened_on", "closed_on", "outcome")
    list_filter = ("stage", "outcome")
    search_fields = ("person__pseudonym",)
    raw_id_fields = ("person", "opened_by")


@admin.register(Task)
class TaskAdmin(ReadOnlyClinicalAdmin):
    list_display = ("person", "kind", "status", "priority", "due_date", "assignee")
    list_filter = ("status", "priority", "kind")
    search_fields = ("person__pseudonym",)
    raw_id_fields = ("person", "episode")
