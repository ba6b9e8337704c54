"""Pseudonymous screening records for administrators; identities are not shown here.

Administrators manage the registry but do not read names (DOMAIN §7), so
PersonIdentity is deliberately not registered. Clinical records are written by
`screening.services` alone (validation, reassessment, audit with the acting user),
so the admin shows them read-only: no adding, changing or deleting here.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from screening.models import ImportBatch, Person, ReadAccess


class ReadOnlyClinicalAdmin(SimpleHistoryAdmin):
    """View and history only: the services own every write."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadAccessInline(admin.TabularInline):
    """Who read this person's data: shown to administrators, never changed."""

    model = ReadAccess
    fields = ("at", "user", "kind", "address", "path")
    readonly_fields = fields
    ordering = ("-at", "-pk")
    extra = 0
    max_num = 0
    can_delete = False
    verbose_name_plural = "read-access log"

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Person)
class PersonAdmin(ReadOnlyClinicalAdmin):
    list_display = ("pseudonym", "practice", "sex", "birth_date")
    list_filter = ("practice",)
    search_fields = ("pseudonym",)
    inlines = (ReadAccessInline,)


@admin.register(ImportBatch)
class ImportBatchAdmin(ReadOnlyClinicalAdmin):
    list_display = ("file_name", "practice", "status", "rows_read", "rows_imported")
    list_filter = ("status", "practice")
