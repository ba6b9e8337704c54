"""Administrators manage users, practices and memberships here.

No admin offers "delete selected": health records are written by the services
alone (their admins are read-only), users are deactivated rather than deleted so
the audit trail keeps naming them, and practices are protected by their records.
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from fh_registry.models import Membership, Practice, User

admin.site.site_header = _("FH screening registry administration")
admin.site.site_title = _("FH screening registry")
admin.site.index_title = _("Registry administration")
admin.site.disable_action("delete_selected")


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0


@admin.register(User)
class RegistryUserAdmin(UserAdmin, SimpleHistoryAdmin):
    list_display = ("username", "role", "is_active", "covers_all_practices")
    list_filter = ("role", "is_active")
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        (
            _("Registry"),
            {"fields": ("role", "covers_all_practices", "preferred_unit")},
        ),
    )
    add_fieldsets = (
        *UserAdmin.add_fieldsets,
        (_("Registry"), {"fields": ("role",)}),
    )
    inlines = (MembershipInline,)


@admin.register(Practice)
class PracticeAdmin(SimpleHistoryAdmin):
    list_display = ("code", "name", "district", "postcode_prefix")
    search_fields = ("code", "name", "district")
