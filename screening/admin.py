"""Pseudonymous screening records for administrators; identities are not shown here.

Administrators manage the registry but do not read names (DOMAIN §7), so
PersonIdentity is deliberately not registered.
"""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from screening.models import ImportBatch, Person


@admin.register(Person)
class PersonAdmin(SimpleHistoryAdmin):
    list_display = ("pseudonym", "practice", "sex", "birth_date")
    list_filter = ("practice",)
    search_fields = ("pseudonym",)
    readonly_fields = ("pseudonym",)
    raw_id_fields = ("mother", "father")


@admin.register(ImportBatch)
class ImportBatchAdmin(SimpleHistoryAdmin):
    list_display = ("file_name", "practice", "status", "rows_read", "rows_imported")
    list_filter = ("status", "practice")
    readonly_fields = ("sha256",)
