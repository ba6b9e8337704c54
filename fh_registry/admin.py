"""Administrators manage users, practices, memberships and lab-system tokens here.

No admin offers "delete selected": health records are written by the services
alone (their admins are read-only), users are deactivated rather than deleted so
the audit trail keeps naming them, and practices are protected by their records.
Lab-system tokens are issued (the key shown once) and revoked, never edited.
Outbox messages are shown read-only; a given-up one can be run again.
"""

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from fh_registry import outbox, services
from fh_registry.models import (
    LabSystemToken,
    Membership,
    OutboxMessage,
    Practice,
    User,
)

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


class LabTokenIssueForm(forms.Form):
    practice = forms.ModelChoiceField(
        queryset=Practice.objects.all(), label=_("Practice")
    )
    name = forms.CharField(
        max_length=100,
        label=_("Lab system"),
        help_text=_("The lab system that will use the token."),
    )


@admin.register(LabSystemToken)
class LabSystemTokenAdmin(admin.ModelAdmin):
    """Issue (the key is shown once, on the page that answers the form) and
    revoke; the rest is read-only."""

    list_display = (
        "name",
        "practice",
        "created_at",
        "created_by",
        "last_used_at",
        "revoked_at",
    )
    list_filter = ("practice", ("revoked_at", admin.EmptyFieldListFilter))
    search_fields = ("name", "practice__code")
    fields = (
        "practice",
        "name",
        "user",
        "created_at",
        "created_by",
        "last_used_at",
        "revoked_at",
        "revoked_by",
    )
    actions = ("revoke",)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_revoke_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("fh_registry.change_labsystemtoken")

    @admin.action(description=_("Revoke the selected tokens"), permissions=["revoke"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[LabSystemToken]) -> None:
        assert isinstance(request.user, User)  # the admin site let only staff in
        tokens = list(queryset.filter(revoked_at__isnull=True))
        for token in tokens:
            services.revoke_lab_token(acting_user=request.user, token=token)
        self.message_user(
            request,
            ngettext(
                "%(count)d token revoked.", "%(count)d tokens revoked.", len(tokens)
            )
            % {"count": len(tokens)},
        )

    def add_view(
        self,
        request: HttpRequest,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        """The form, then the page with the new key: it is not stored anywhere
        it could be shown again (admin pages are never cached)."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        assert isinstance(request.user, User)  # the admin site let only staff in
        form = LabTokenIssueForm(request.POST or None)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Issue a lab-system token"),
            "form": form,
        }
        if request.method == "POST" and form.is_valid():
            try:
                issued = services.issue_lab_token(
                    acting_user=request.user,
                    practice=form.cleaned_data["practice"],
                    name=form.cleaned_data["name"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                self.log_addition(request, issued.token, [{"added": {}}])
                context |= {
                    "title": _("Lab-system token issued"),
                    "token": issued.token,
                    "key": issued.key,
                }
        return TemplateResponse(
            request, "admin/fh_registry/labsystemtoken/issue.html", context
        )


class GivenUpFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [
            ("given_up", _("given up")),
            ("not_done", _("not done")),
            ("done", _("done")),
        ]

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[OutboxMessage]
    ) -> QuerySet[OutboxMessage]:
        if self.value() == "given_up":
            return queryset.filter(outbox.GIVEN_UP)
        if self.value() == "not_done":
            return queryset.filter(done_at__isnull=True)
        if self.value() == "done":
            return queryset.filter(done_at__isnull=False)
        return queryset


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    """The tasks the registry has published and their fate: what ran, what is
    waiting, and what was given up after OUTBOX_MAX_FAILURES failed runs (with
    its last error). Nothing is edited here; a given-up message can be run
    again once its cause is removed."""

    list_display = (
        "pk",
        "task_name",
        "kwargs",
        "created_at",
        "attempts",
        "failures",
        "done_at",
        "given_up_at",
    )
    list_filter = (GivenUpFilter, "task_name")
    ordering = ("-created_at",)
    actions = ("run_again",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=_("Run the selected given-up messages again"))
    def run_again(
        self, request: HttpRequest, queryset: QuerySet[OutboxMessage]
    ) -> None:
        count = outbox.run_again(queryset)
        self.message_user(
            request,
            ngettext(
                "%(count)d given-up message will run again.",
                "%(count)d given-up messages will run again.",
                count,
            )
            % {"count": count},
        )
