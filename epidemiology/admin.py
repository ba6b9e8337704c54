"""Export records, read-only, for administrators: who exported what, and when."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from epidemiology.models import ExportRecord
from fh_registry.access import is_administrator


@admin.register(ExportRecord)
class ExportRecordAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "actor",
        "channel",
        "kind",
        "name",
        "file_format",
        "rows",
        "rows_suppressed",
    )
    list_filter = ("channel", "kind", "file_format")
    search_fields = ("actor", "name", "sha256")
    date_hierarchy = "created_at"
    readonly_fields = [field.name for field in ExportRecord._meta.fields]

    # Append-only: nobody adds, changes or deletes a record here.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(
        self, request: HttpRequest, obj: ExportRecord | None = None
    ) -> bool:
        return False

    def has_delete_permission(
        self, request: HttpRequest, obj: ExportRecord | None = None
    ) -> bool:
        return False

    def has_view_permission(
        self, request: HttpRequest, obj: ExportRecord | None = None
    ) -> bool:
        return is_administrator(request.user)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_administrator(request.user)
