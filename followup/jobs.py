"""The daily jobs of the follow-up side (run by Celery beat, see followup.tasks).

Each is idempotent: run twice on one day, the second run changes nothing. Each
returns how many rows it changed, for the log and the tests.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import OuterRef, Q, Subquery
from django.template.loader import render_to_string
from django.utils import timezone, translation

from fh_registry.models import User
from followup import services
from followup.models import (
    ACTIVE_STATUSES,
    CareEpisode,
    ContactAttempt,
    ContactOutcome,
    EpisodeOutcome,
    Priority,
    Task,
    TaskKind,
    TaskOrigin,
    TaskStatus,
)
from screening import rules
from screening.models import LabResult

_CHUNK = 5000


def _chunks(ids: list[int]) -> list[list[int]]:
    return [ids[i : i + _CHUNK] for i in range(0, len(ids), _CHUNK)]


@transaction.atomic
def escalate_overdue(today: date | None = None) -> int:
    """Overdue active tasks become urgent, once (`escalated_on` remembers it);
    a rescheduled task may be escalated again when it falls overdue anew."""
    day = today or timezone.localdate()
    ids = list(
        Task.objects.filter(
            status__in=ACTIVE_STATUSES, due_date__lt=day, escalated_on__isnull=True
        ).values_list("pk", flat=True)
    )
    for chunk in _chunks(ids):
        Task.objects.filter(pk__in=chunk).update(
            priority=Priority.URGENT, escalated_on=day
        )
        Task.history.bulk_history_create(
            list(Task.objects.filter(pk__in=chunk)),
            update=True,
            default_change_reason="escalated: overdue",
        )
    return len(ids)


def send_reminders(today: date | None = None) -> int:
    """One e-mail per coordinator listing their claimed tasks that are due, once
    a day. The mail names pseudonyms and kinds only, never a person's name."""
    day = today or timezone.localdate()
    due = (
        Task.objects.filter(status=TaskStatus.CLAIMED, due_date__lte=day)
        .exclude(reminded_on=day)
        .select_related("person", "assignee")
        .order_by("assignee_id", "due_date", "pk")
    )
    by_assignee: dict[User, list[Task]] = defaultdict(list)
    for task in due:
        assert task.assignee is not None  # claimed tasks have one (constraint)
        by_assignee[task.assignee].append(task)
    sent = 0
    for assignee, tasks in by_assignee.items():
        if assignee.email:
            with translation.override(settings.LANGUAGE_CODE):
                body = render_to_string(
                    "followup/reminder_email.txt", {"tasks": tasks, "today": day}
                )
                subject = str(
                    translation.gettext("FH registry: %(count)d tasks due")
                    % {"count": len(tasks)}
                )
            send_mail(subject, body, None, [assignee.email])
            sent += 1
        Task.objects.filter(pk__in=[t.pk for t in tasks]).update(reminded_on=day)
    return sent


def sweep_lost(today: date | None = None) -> int:
    """Open episodes with no visit for LOST_TO_FOLLOW_UP_MONTHS close as lost to
    follow-up (DOMAIN §6: 18 months); the practice gets a recall task.

    A visit is a lab sample, a reached contact or the lipid clinic; an episode
    opened within the period is not lost.
    """
    day = today or timezone.localdate()
    cutoff = services.months_before(day, settings.LOST_TO_FOLLOW_UP_MONTHS)
    cutoff_at = timezone.make_aware(datetime.combine(cutoff, time.min))
    latest_sample = (
        LabResult.objects.filter(person=OuterRef("person"))
        .order_by("-sample_date")
        .values("sample_date")[:1]
    )
    latest_reached = (
        ContactAttempt.objects.filter(
            person=OuterRef("person"), outcome=ContactOutcome.REACHED
        )
        .order_by("-attempted_at")
        .values("attempted_at")[:1]
    )
    lost = (
        CareEpisode.objects.filter(closed_on__isnull=True, opened_on__lt=cutoff)
        .filter(Q(lipid_clinic_on__isnull=True) | Q(lipid_clinic_on__lt=cutoff))
        .annotate(
            latest_sample=Subquery(latest_sample),
            latest_reached=Subquery(latest_reached),
        )
        .filter(Q(latest_sample__isnull=True) | Q(latest_sample__lt=cutoff))
        .filter(Q(latest_reached__isnull=True) | Q(latest_reached__lt=cutoff_at))
    )
    count = 0
    for episode in lost:
        services.mark_lost(episode, acting_user=None, on=day)
        count += 1
    return count


def schedule_yearly_reviews(today: date | None = None) -> int:
    """A `yearly_review` task for each treated person, FOLLOWUP_REVIEW_LEAD_DAYS
    before each anniversary of the treatment start (key: episode and year)."""
    day = today or timezone.localdate()
    lead = timedelta(days=settings.FOLLOWUP_REVIEW_LEAD_DAYS)
    treated = CareEpisode.objects.filter(treatment_started_on__isnull=False).filter(
        Q(closed_on__isnull=True) | Q(outcome=EpisodeOutcome.CONFIRMED_FH)
    )
    tasks = []
    for episode in treated.only("pk", "person_id", "treatment_started_on"):
        started = episode.treatment_started_on
        assert started is not None
        review = rules.anniversary(started, day.year)
        if review < day:
            review = rules.anniversary(started, day.year + 1)
        if review.year <= started.year or review - day > lead:
            continue
        tasks.append(
            Task(
                person_id=episode.person_id,
                episode=episode,
                kind=TaskKind.YEARLY_REVIEW,
                due_date=review,
                origin=TaskOrigin.SCHEDULE,
                dedupe_key=f"review:{episode.pk}:{review.year}",
            )
        )
    return len(services.create_tasks(tasks, acting_user=None))
