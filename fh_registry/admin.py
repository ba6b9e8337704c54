"""Administrators manage users, practices and memberships here."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from simple_history.admin import SimpleHistoryAdmin

from fh_registry.models import Membership, Practice, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0


@admin.register(User)
class RegistryUserAdmin(UserAdmin, SimpleHistoryAdmin):
    list_display = ("username", "role", "is_active", "covers_all_practices")
    list_filter = ("role", "is_active")
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        ("Registry", {"fields": ("role", "covers_all_practices", "preferred_unit")}),
    )
    add_fieldsets = (
        *UserAdmin.add_fieldsets,
        ("Registry", {"fields": ("role",)}),
    )
    inlines = (MembershipInline,)


@admin.register(Practice)
class PracticeAdmin(SimpleHistoryAdmin):
    list_display = ("code", "name", "district", "postcode_prefix")
    search_fields = ("code", "name", "district")
