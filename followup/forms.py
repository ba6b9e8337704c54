"""Forms of the coordinators' pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from fh_registry.models import Role, User
from followup.models import (
    ContactChannel,
    ContactOutcome,
    EpisodeOutcome,
    Priority,
    Stage,
    TaskKind,
    TaskStatus,
)
from followup.queries import QueueFilters

_ANY = [("", _("any"))]


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=[
            ("active", _("open or claimed")),
            *TaskStatus.choices,
            ("all", _("all")),
        ],
    )
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=_ANY + TaskKind.choices
    )
    priority = forms.ChoiceField(
        label=_("Priority"), required=False, choices=_ANY + Priority.choices
    )
    practice = forms.CharField(label=_("Practice code"), required=False, max_length=20)
    assignee = forms.CharField(
        label=_("Assignee"),
        required=False,
        max_length=150,
        help_text=_("A user name, “me” or “none”."),
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)

    def filters(self) -> QueueFilters:
        data = self.cleaned_data if self.is_valid() else {}
        return QueueFilters(
            status=data.get("status") or "active",
            kind=data.get("kind", ""),
            priority=data.get("priority", ""),
            practice=data.get("practice", "").strip(),
            assignee=data.get("assignee", "").strip(),
            overdue=bool(data.get("overdue")),
        )


def coordinators() -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=_("Assign to"),
        queryset=User.objects.filter(role=Role.COORDINATOR, is_active=True).order_by(
            "username"
        ),
        to_field_name="username",
        required=False,
    )


class BulkForm(forms.Form):
    action = forms.ChoiceField(
        choices=[("assign", _("Assign")), ("reschedule", _("Reschedule"))]
    )
    tasks: forms.ModelMultipleChoiceField = forms.ModelMultipleChoiceField(
        queryset=None, label=_("Tasks")
    )
    due_date = forms.DateField(label=_("New due date"), required=False)

    def __init__(self, *args: object, tasks: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["tasks"].queryset = tasks  # type: ignore[attr-defined]
        self.fields["assignee"] = coordinators()

    def clean(self) -> dict:
        data = super().clean() or {}
        if data.get("action") == "assign" and not data.get("assignee"):
            self.add_error("assignee", _("Choose whom to assign the tasks to."))
        if data.get("action") == "reschedule" and not data.get("due_date"):
            self.add_error("due_date", _("Give the new due date."))
        return data


class RescheduleForm(forms.Form):
    due_date = forms.DateField(label=_("New due date"))


class CompleteForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)


class ContactAttemptForm(forms.Form):
    channel = forms.ChoiceField(label=_("Channel"), choices=ContactChannel.choices)
    outcome = forms.ChoiceField(label=_("Outcome"), choices=ContactOutcome.choices)
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    task = forms.IntegerField(required=False, widget=forms.HiddenInput)


class AdvanceForm(forms.Form):
    stage = forms.ChoiceField(label=_("Move to"), choices=Stage.choices)
    on = forms.DateField(label=_("On"), required=False)


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=EpisodeOutcome.choices)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)


class NewTaskForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=TaskKind.choices)
    due_date = forms.DateField(label=_("Due date"))
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)
