"""What happens after a positive screen: care episodes, the coordinators' tasks
and contact attempts."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from fh_registry.models import Practice
from followup import pathway
from screening.models import Assessment, Person, PersonRecordQuerySet, ScopedQuerySet


class Stage(models.TextChoices):
    REPEAT_LIPIDS = pathway.REPEAT_LIPIDS, _("Repeat fasting venous lipids")
    SECONDARY_CAUSES = pathway.SECONDARY_CAUSES, _("Secondary-cause work-up")
    GENETIC_TESTING = pathway.GENETIC_TESTING, _("Genetic counselling and testing")
    LIPID_CLINIC = pathway.LIPID_CLINIC, _("Lipid clinic")
    DIET = pathway.DIET, _("Diet")
    TREATMENT = pathway.TREATMENT, _("Treatment")
    ON_TARGET_CHECK = pathway.ON_TARGET_CHECK, _("On-target check")


class EpisodeOutcome(models.TextChoices):
    CONFIRMED_FH = pathway.CONFIRMED_FH, _("FH confirmed")
    NOT_FH = pathway.NOT_FH, _("Not FH")
    LOST_TO_FOLLOW_UP = pathway.LOST_TO_FOLLOW_UP, _("Lost to follow-up")
    MOVED = pathway.MOVED, _("Moved away")
    DECLINED = pathway.DECLINED, _("Declined")


class EpisodeOrigin(models.TextChoices):
    SCREENING = "screening", _("Screening result")
    CASCADE = "cascade", _("Cascade invitation")
    MANUAL = "manual", _("Opened by hand")


class CareEpisode(models.Model):
    """One person's pathway after a flagged result, from opening to an outcome.

    A person has at most one open episode (a partial unique constraint); an
    assessment opens at most one (`opened_by` is unique), so an event delivered
    twice changes nothing.
    """

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    stage = models.CharField(
        max_length=20, choices=Stage.choices, default=Stage.REPEAT_LIPIDS
    )
    origin = models.CharField(max_length=20, choices=EpisodeOrigin.choices)
    opened_by = models.OneToOneField(
        Assessment,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    opened_on = models.DateField()
    # The flagged sample's date: where "days from a positive screen" count from.
    screened_on = models.DateField(null=True, blank=True)
    lipid_clinic_on = models.DateField(null=True, blank=True)
    treatment_started_on = models.DateField(null=True, blank=True)
    closed_on = models.DateField(null=True, blank=True)
    outcome = models.CharField(
        max_length=20, choices=EpisodeOutcome.choices, blank=True
    )
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = PersonRecordQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("care episode")
        verbose_name_plural = _("care episodes")
        ordering = ["-opened_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(closed_on__isnull=True),
                name="episode_one_open_per_person",
            ),
            models.CheckConstraint(
                condition=(Q(closed_on__isnull=True) & Q(outcome=""))
                | (Q(closed_on__isnull=False) & ~Q(outcome="")),
                name="episode_closed_with_outcome",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.stage}"

    @property
    def is_open(self) -> bool:
        return self.closed_on is None

    @property
    def current_stage(self) -> str | None:
        """The stage for the state machine: None once closed."""
        return self.stage if self.is_open else None


class TaskKind(models.TextChoices):
    REPEAT_LIPIDS = "repeat_lipids", _("Repeat fasting venous lipids")
    SECONDARY_CAUSES = "secondary_causes", _("Secondary-cause work-up")
    GENETIC_COUNSELLING = "genetic_counselling", _("Genetic counselling and testing")
    LIPID_CLINIC_REFERRAL = "lipid_clinic_referral", _("Lipid clinic referral")
    DIET = "diet", _("Diet")
    TREATMENT_START = "treatment_start", _("Treatment start")
    ON_TARGET_CHECK = "on_target_check", _("On-target check")
    YEARLY_REVIEW = "yearly_review", _("Yearly review")
    PRACTICE_RECALL = "practice_recall", _("Practice: recall the family")
    CASCADE_INVITATION = "cascade_invitation", _("Cascade invitation")
    OTHER = "other", _("Other")


class Priority(models.TextChoices):
    # Stored as words the API names; "urgent" sorts after "routine", so the
    # queue's "-priority" puts urgent first (tested).
    ROUTINE = "routine", _("routine")
    URGENT = "urgent", _("urgent")


class TaskStatus(models.TextChoices):
    OPEN = "open", _("open")
    CLAIMED = "claimed", _("claimed")
    DONE = "done", _("done")
    CANCELLED = "cancelled", _("cancelled")


ACTIVE_STATUSES = (TaskStatus.OPEN, TaskStatus.CLAIMED)


class TaskOrigin(models.TextChoices):
    PATHWAY = "pathway", _("care pathway")
    CASCADE = "cascade", _("cascade invitation")
    SCHEDULE = "schedule", _("scheduled review")
    MANUAL = "manual", _("by hand")


class TaskQuerySet(ScopedQuerySet):
    """Tasks are scoped by the practice they carry, not through their person."""

    practice_path = "practice"


class Task(models.Model):
    """A piece of work in the coordinators' queue."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    # The person's practice, copied when the task is made (a person never moves
    # practice): the queue scopes, filters and counts by it without joining each
    # of a national registry's tasks to its person.
    practice = models.ForeignKey(
        Practice, on_delete=models.PROTECT, related_name="+", editable=False
    )
    episode = models.ForeignKey(
        CareEpisode,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tasks",
        db_index=False,  # a partial index (Meta): most tasks have no episode
    )
    kind = models.CharField(max_length=30, choices=TaskKind.choices)
    due_date = models.DateField()
    priority = models.CharField(
        max_length=10, choices=Priority.choices, default=Priority.ROUTINE
    )
    status = models.CharField(
        max_length=10, choices=TaskStatus.choices, default=TaskStatus.OPEN
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # a partial index (Meta): most tasks wait unassigned
    )
    origin = models.CharField(max_length=10, choices=TaskOrigin.choices)
    # What created the task, for tasks made by events and jobs ("pathway:12:
    # repeat_lipids"): unique (Meta), so an event or a job run twice adds
    # nothing. NULL for tasks made by hand: NULLs never collide.
    dedupe_key = models.CharField(max_length=80, null=True, blank=True)  # noqa: DJ001
    note = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    created_at = models.DateTimeField(default=timezone.now)
    completed_on = models.DateField(null=True, blank=True)
    escalated_on = models.DateField(null=True, blank=True)
    # Operational, not clinical: the day the assignee was last reminded.
    reminded_on = models.DateField(null=True, blank=True)

    objects = TaskQuerySet.as_manager()
    # History is read per task (by id); indexes on its other columns would
    # only slow every write of the queue.
    history = HistoricalRecords(
        excluded_fields=["reminded_on"],
        no_db_index=[
            "person",
            "practice",
            "episode",
            "assignee",
            "created_by",
            "dedupe_key",
        ],
    )

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["-priority", "due_date", "pk"]
        indexes = [
            # The queue: active tasks, urgent first, by due date; partial, so
            # a page of 50 reads 50 index entries, not every active task sorted.
            models.Index(
                models.F("priority").desc(),
                "due_date",
                "id",
                condition=Q(status__in=["open", "claimed"]),
                name="task_active_queue_idx",
            ),
            # The same order over every status (the API's default, "all"):
            # without it a page sorts the whole table joined to its persons.
            models.Index(
                models.F("priority").desc(), "due_date", "id", name="task_queue_idx"
            ),
            models.Index(
                fields=["due_date"],
                condition=Q(status__in=["open", "claimed"]),
                name="task_active_due_idx",
            ),
            # Lookups by assignee or episode name one; the many tasks without
            # one (invitations, unassigned work) stay out of these indexes.
            models.Index(
                fields=["assignee"],
                condition=Q(assignee__isnull=False),
                name="task_assignee_idx",
            ),
            models.Index(
                fields=["episode"],
                condition=Q(episode__isnull=False),
                name="task_episode_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="claimed") | Q(assignee__isnull=False),
                name="task_claimed_has_assignee",
            ),
            # An event or a job run twice adds nothing (a constraint, not
            # unique=True: equality is all it is looked up by, so no second
            # pattern-matching index).
            models.UniqueConstraint(
                fields=["dedupe_key"], name="task_dedupe_key_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.kind} {self.due_date}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    def is_overdue(self, today: date | None = None) -> bool:
        return self.is_active and self.due_date < (today or timezone.localdate())


class ContactChannel(models.TextChoices):
    PHONE = "phone", _("phone")
    EMAIL = "email", _("e-mail")
    LETTER = "letter", _("letter")
    SMS = "sms", _("text message")
    IN_PERSON = "in_person", _("in person")


class ContactOutcome(models.TextChoices):
    REACHED = "reached", _("reached")
    NO_ANSWER = "no_answer", _("no answer")
    LEFT_MESSAGE = "left_message", _("message left")
    WRONG_CONTACT = "wrong_contact", _("wrong number or address")
    RETURNED = "returned", _("letter returned")


FAILED_CONTACT = tuple(o for o in ContactOutcome.values if o != ContactOutcome.REACHED)


class ContactAttempt(models.Model):
    """One try to reach a family; append-only, its own record."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    episode = models.ForeignKey(
        CareEpisode,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contact_attempts",
    )
    task = models.ForeignKey(
        Task,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contact_attempts",
    )
    channel = models.CharField(max_length=10, choices=ContactChannel.choices)
    outcome = models.CharField(max_length=20, choices=ContactOutcome.choices)
    note = models.TextField(blank=True)
    attempted_at = models.DateTimeField(default=timezone.now)
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )

    objects = PersonRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("contact attempt")
        verbose_name_plural = _("contact attempts")
        ordering = ["-attempted_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.person} {self.channel} {self.outcome}"

    @property
    def failed(self) -> bool:
        return self.outcome != ContactOutcome.REACHED


class CascadeTest(models.TextChoices):
    GENETIC = "genetic", _("genetic test for the family's variant")
    LIPIDS = "lipids", _("lipid profile")
    SEGREGATION = (
        "segregation",
        _("segregation test (variant of uncertain significance)"),
    )


class Relation(models.TextChoices):
    MOTHER = "mother", _("mother")
    FATHER = "father", _("father")
    SIBLING = "sibling", _("sibling")
    HALF_SIBLING = "half_sibling", _("half-sibling")
    CHILD = "child", _("child")


class InvitationState(models.TextChoices):
    PROPOSED = "proposed", _("proposed")
    INVITED = "invited", _("invited")
    ACCEPTED = "accepted", _("accepted")
    TESTED = "tested", _("tested")
    POSITIVE = "positive", _("positive")
    NEGATIVE = "negative", _("negative")
    DECLINED = "declined", _("declined")
    UNREACHABLE = "unreachable", _("unreachable")


class InvitationQuerySet(PersonRecordQuerySet):
    practice_path = "relative__practice"


class CascadeInvitation(models.Model):
    """One relative invited for testing because of an affected family member.

    A person is invited at most once (declined is final); every state change is
    kept in the history with who made it.
    """

    relative = models.OneToOneField(
        Person, on_delete=models.PROTECT, related_name="cascade_invitation"
    )
    because = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    relation = models.CharField(max_length=20, choices=Relation.choices)
    test = models.CharField(max_length=20, choices=CascadeTest.choices)
    variant = models.CharField(max_length=200, blank=True)
    state = models.CharField(
        max_length=20, choices=InvitationState.choices, default=InvitationState.PROPOSED
    )
    # Children of an affected parent: tested by age 10 (5 when both are).
    due_by = models.DateField(null=True, blank=True)
    # The answer code is shown once, in the letter; only its digest is kept.
    answer_code_digest = models.CharField(max_length=64, blank=True)
    answer_code_expires_on = models.DateField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    preferred_channel = models.CharField(max_length=10, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = InvitationQuerySet.as_manager()
    history = HistoricalRecords(
        excluded_fields=["answer_code_digest"], no_db_index=["because"]
    )

    class Meta:
        verbose_name = _("cascade invitation")
        verbose_name_plural = _("cascade invitations")
        ordering = ["created_at", "pk"]
        indexes = [
            # The answer page looks a code up by its digest (equality only).
            models.Index(
                fields=["answer_code_digest"], name="invitation_answer_digest_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.relative} ({self.relation} of {self.because}): {self.state}"
