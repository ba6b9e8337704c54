"""API shapes: input serializers check shape only; `followup.services` decide."""

from __future__ import annotations

from typing import Any

from django.db.models import TextChoices
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from followup.models import (
    CareEpisode,
    ContactAttempt,
    ContactChannel,
    ContactOutcome,
    EpisodeOutcome,
    Priority,
    Stage,
    Task,
    TaskKind,
    TaskStatus,
)

CLOSED = "closed"


class NamedChoiceField(serializers.ChoiceField):
    """A choice field over `choice_set`, shown in the schema as a named enum."""

    choice_set: type[TextChoices]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=self.choice_set.choices, **kwargs)


def _named_choices(
    choice_set: type[TextChoices], component: str
) -> type[NamedChoiceField]:
    """The field for `choice_set`, its schema the enum component `component`.

    Screening has fields named `kind`, `status` and `outcome` with other choice
    sets; named components keep the schema's enum names stable (and free of
    drf-spectacular's collision warnings) without touching the settings.
    """

    @extend_schema_field(
        serializers.ChoiceField(choices=choice_set.choices), component_name=component
    )
    class Field(NamedChoiceField):
        pass

    Field.choice_set = choice_set
    return Field


TaskKindField = _named_choices(TaskKind, "TaskKindEnum")
TaskStatusField = _named_choices(TaskStatus, "TaskStatusEnum")
EpisodeOutcomeField = _named_choices(EpisodeOutcome, "EpisodeOutcomeEnum")
ContactOutcomeField = _named_choices(ContactOutcome, "ContactOutcomeEnum")


class TaskOutput(serializers.ModelSerializer):
    person = serializers.CharField(source="person.pseudonym")
    practice = serializers.CharField(source="practice.code")
    episode = serializers.IntegerField(source="episode_id", allow_null=True)
    assignee = serializers.CharField(
        source="assignee.username", default=None, allow_null=True
    )
    kind = TaskKindField()
    status = TaskStatusField()
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Task
        fields = [
            "id",
            "person",
            "practice",
            "episode",
            "kind",
            "status",
            "priority",
            "due_date",
            "overdue",
            "assignee",
            "origin",
            "note",
            "escalated_on",
            "completed_on",
            "created_at",
        ]

    def get_overdue(self, task: Task) -> bool:
        """Active and due before today."""
        return task.is_overdue(timezone.localdate())


class TaskInput(serializers.Serializer):
    person = serializers.CharField(help_text="The person's pseudonym.")
    kind = TaskKindField()
    due_date = serializers.DateField()
    priority = serializers.ChoiceField(
        choices=Priority.choices, required=False, default=Priority.ROUTINE
    )
    note = serializers.CharField(required=False, default="", allow_blank=True)


class CompleteInput(serializers.Serializer):
    note = serializers.CharField(required=False, default="", allow_blank=True)


class RescheduleInput(serializers.Serializer):
    due_date = serializers.DateField(help_text="The new due date (ISO 8601).")


class CareEpisodeOutput(serializers.ModelSerializer):
    person = serializers.CharField(source="person.pseudonym")
    state = serializers.SerializerMethodField()
    outcome = serializers.SerializerMethodField()

    class Meta:
        model = CareEpisode
        fields = [
            "id",
            "person",
            "state",
            "stage",
            "origin",
            "opened_on",
            "screened_on",
            "lipid_clinic_on",
            "treatment_started_on",
            "closed_on",
            "outcome",
            "note",
        ]

    @extend_schema_field(serializers.ChoiceField(choices=[*Stage.values, CLOSED]))
    def get_state(self, episode: CareEpisode) -> str:
        """The stage while the episode is open, "closed" once it has an outcome."""
        return episode.current_stage or CLOSED

    @extend_schema_field(EpisodeOutcomeField(allow_null=True))
    def get_outcome(self, episode: CareEpisode) -> str | None:
        """How the episode ended; null while it is open."""
        return episode.outcome or None


class AdvanceInput(serializers.Serializer):
    stage = serializers.ChoiceField(choices=Stage.choices)
    on = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text="The day the episode entered the stage; default today.",
    )


class CloseInput(serializers.Serializer):
    outcome = EpisodeOutcomeField()
    note = serializers.CharField(required=False, default="", allow_blank=True)


class ContactAttemptOutput(serializers.ModelSerializer):
    person = serializers.CharField(source="person.pseudonym")
    episode = serializers.IntegerField(source="episode_id", allow_null=True)
    task = serializers.IntegerField(source="task_id", allow_null=True)
    outcome = ContactOutcomeField()
    made_by = serializers.CharField(source="made_by.username")

    class Meta:
        model = ContactAttempt
        fields = [
            "id",
            "person",
            "episode",
            "task",
            "channel",
            "outcome",
            "note",
            "attempted_at",
            "made_by",
        ]


class ContactAttemptInput(serializers.Serializer):
    person = serializers.CharField(help_text="The person's pseudonym.")
    channel = serializers.ChoiceField(choices=ContactChannel.choices)
    outcome = ContactOutcomeField()
    note = serializers.CharField(required=False, default="", allow_blank=True)
    task = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text="The task the attempt was made for (its id).",
    )
