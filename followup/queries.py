"""Reads of the follow-up side: the queue, a person's follow-up, the dashboard.

Every read starts from a `for_user()` queryset, so what is out of a user's scope
is absent. The queue's query count does not grow with the page size or the
table (select_related, one grouped count).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from fh_registry.access import Viewer
from followup.models import (
    ACTIVE_STATUSES,
    CareEpisode,
    CascadeInvitation,
    ContactAttempt,
    InvitationState,
    Task,
    TaskStatus,
)
from screening.models import GeneticResult


@dataclass(frozen=True, slots=True)
class QueueFilters:
    """The queue's filters as the page and the API take them ("" = any)."""

    kind: str = ""
    practice: str = ""  # practice code
    overdue: bool = False
    assignee: str = ""  # a username, "me" or "none"
    priority: str = ""
    status: str = "active"  # a status, "active" (open + claimed) or "all"
    person: str = ""  # pseudonym


def tasks_for(
    user: Viewer, filters: QueueFilters, *, today: date | None = None
) -> QuerySet[Task]:
    """In-scope tasks matching `filters`, urgent first, then by due date."""
    day = today or timezone.localdate()
    tasks = Task.objects.for_user(user)
    statuses = _listed_statuses(filters)
    if statuses is not None:
        tasks = tasks.filter(status__in=statuses)
    return (
        _narrowed(tasks, filters, user, day)
        .select_related("person", "practice", "assignee")
        .order_by("-priority", "due_date", "pk")
    )


def _narrowed(
    tasks: QuerySet[Task], filters: QueueFilters, user: Viewer, day: date
) -> QuerySet[Task]:
    if filters.kind:
        tasks = tasks.filter(kind=filters.kind)
    if filters.practice:
        tasks = tasks.filter(practice__code=filters.practice)
    if filters.priority:
        tasks = tasks.filter(priority=filters.priority)
    if filters.person:
        tasks = tasks.filter(person__pseudonym=filters.person)
    if filters.overdue:
        tasks = tasks.filter(status__in=ACTIVE_STATUSES, due_date__lt=day)
    if filters.assignee == "me":
        tasks = tasks.filter(assignee_id=getattr(user, "pk", None))
    elif filters.assignee == "none":
        tasks = tasks.filter(assignee__isnull=True)
    elif filters.assignee:
        tasks = tasks.filter(assignee__username=filters.assignee)
    return tasks


def counts_by_status(
    user: Viewer, filters: QueueFilters, *, today: date | None = None
) -> dict[str, int]:
    """How many in-scope tasks match the other filters, per status (one query)."""
    day = today or timezone.localdate()
    rows = (
        _narrowed(Task.objects.for_user(user), filters, user, day)
        .order_by()
        .values("status")
        .annotate(n=Count("pk"))
    )
    counts = dict.fromkeys(TaskStatus.values, 0)
    counts.update({row["status"]: row["n"] for row in rows})
    return counts


def matching_count(counts: dict[str, int], filters: QueueFilters) -> int:
    """How many tasks `tasks_for` lists, from the counts per status of the same
    filters: the queue's pager needs no second count of the table."""
    statuses = _listed_statuses(filters)
    if statuses is None:
        return sum(counts.values())
    return sum(counts.get(status, 0) for status in statuses)


def _listed_statuses(filters: QueueFilters) -> tuple[str, ...] | None:
    """The statuses `filters` lists (None: every status)."""
    if filters.status == "active":
        return ACTIVE_STATUSES
    if filters.status and filters.status != "all":
        return (filters.status,)
    return None


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    at: datetime
    what: str  # "episode", "task", "contact"
    text: str
    by: str = ""


def follow_up_summary(*, person: Any, user: Viewer) -> dict[str, Any]:
    """What the child's page shows of the follow-up: episodes and the active
    tasks (two queries; the timeline is on the coordinators' page)."""
    episodes = list(CareEpisode.objects.for_user(user).filter(person=person))
    active_tasks = list(
        Task.objects.for_user(user)
        .filter(person=person, status__in=ACTIVE_STATUSES)
        .order_by("-priority", "due_date", "pk")
    )
    return {
        "person": person,
        "episodes": episodes,
        "open_episode": next((e for e in episodes if e.is_open), None),
        "tasks": active_tasks,
        "active_tasks": active_tasks,
        "today": timezone.localdate(),
    }


def person_follow_up(*, person: Any, user: Viewer) -> dict[str, Any]:
    """A person's episodes, tasks and contact attempts, and one timeline of them."""
    episodes = list(CareEpisode.objects.for_user(user).filter(person=person))
    tasks = list(
        Task.objects.for_user(user)
        .filter(person=person)
        .select_related("assignee")
        .order_by("-priority", "due_date", "pk")
    )
    attempts = list(
        ContactAttempt.objects.for_user(user)
        .filter(person=person)
        .select_related("made_by")
    )
    return {
        "person": person,
        "episodes": episodes,
        "open_episode": next((e for e in episodes if e.is_open), None),
        "tasks": tasks,
        "active_tasks": [t for t in tasks if t.is_active],
        "attempts": attempts,
        "timeline": _timeline(episodes, tasks, attempts),
        "today": timezone.localdate(),
    }


def _timeline(
    episodes: list[CareEpisode], tasks: list[Task], attempts: list[ContactAttempt]
) -> list[TimelineEntry]:
    """Every recorded change of the person's episodes and tasks (from their
    history, with who made it) and every contact attempt, newest first."""
    from django.utils.translation import gettext as _  # noqa: PLC0415

    entries: list[TimelineEntry] = []
    stage_names = dict(CareEpisode._meta.get_field("stage").choices or [])
    outcome_names = dict(CareEpisode._meta.get_field("outcome").choices or [])
    history = (
        CareEpisode.history.filter(id__in=[e.pk for e in episodes])
        .select_related("history_user")
        .order_by("id", "history_date", "history_id")
    )
    previous: dict[int, Any] = {}
    for row in history:
        before = previous.get(row.id)
        if before is None:
            text = _("Episode opened at: %(stage)s") % {
                "stage": stage_names.get(row.stage, row.stage)
            }
        elif row.closed_on and not before.closed_on:
            text = _("Episode closed: %(outcome)s") % {
                "outcome": outcome_names.get(row.outcome, row.outcome)
            }
        elif row.stage != before.stage:
            text = _("Moved to: %(stage)s") % {
                "stage": stage_names.get(row.stage, row.stage)
            }
        else:
            text = _("Episode updated")
        previous[row.id] = row
        entries.append(
            TimelineEntry(row.history_date, "episode", text, _user(row.history_user))
        )
    task_names = dict(Task._meta.get_field("kind").choices or [])
    status_names = dict(Task._meta.get_field("status").choices or [])
    task_history = (
        Task.history.filter(id__in=[t.pk for t in tasks])
        .select_related("history_user")
        .order_by("id", "history_date", "history_id")
    )
    last_status: dict[int, str] = {}
    for row in task_history:
        kind = task_names.get(row.kind, row.kind)
        if row.id not in last_status:
            text = _("Task created: %(kind)s, due %(due)s") % {
                "kind": kind,
                "due": row.due_date.isoformat(),
            }
        elif row.status != last_status[row.id]:
            text = _("Task %(kind)s: %(status)s") % {
                "kind": kind,
                "status": status_names.get(row.status, row.status),
            }
        else:
            text = _("Task %(kind)s: due %(due)s, %(priority)s") % {
                "kind": kind,
                "due": row.due_date.isoformat(),
                "priority": row.get_priority_display(),
            }
        last_status[row.id] = row.status
        entries.append(
            TimelineEntry(row.history_date, "task", text, _user(row.history_user))
        )
    for attempt in attempts:
        entries.append(
            TimelineEntry(
                attempt.attempted_at,
                "contact",
                _("Contact by %(channel)s: %(outcome)s")
                % {
                    "channel": attempt.get_channel_display(),
                    "outcome": attempt.get_outcome_display(),
                }
                + (f" – {attempt.note}" if attempt.note else ""),
                _user(attempt.made_by),
            )
        )
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries


def _user(user: Any) -> str:
    from django.utils.translation import gettext as _  # noqa: PLC0415

    return user.get_username() if user is not None else _("registry (scheduled)")


# --- Dashboard ------------------------------------------------------------------


AGE_BANDS = ((0, 7), (7, 30), (30, 90), (90, None))  # days since created


@dataclass(slots=True)
class Dashboard:
    by_status_and_age: dict[str, list[int]] = field(default_factory=dict)
    overdue_trend: list[tuple[date, int]] = field(default_factory=list)
    days_to_lipid_clinic: float | None = None
    days_to_lipid_clinic_n: int = 0
    days_to_genetic_result: float | None = None
    days_to_genetic_result_n: int = 0
    invitations_by_state: dict[str, int] = field(default_factory=dict)
    days_to_answer: float | None = None
    days_to_answer_n: int = 0


def dashboard(user: Viewer, *, today: date | None = None, weeks: int = 12) -> Dashboard:
    """The coordinators' figures over the tasks and episodes in the user's scope."""
    day = today or timezone.localdate()
    board = Dashboard()
    tasks = Task.objects.for_user(user).filter(status__in=ACTIVE_STATUSES)
    aggregates: dict[str, Any] = {}
    now = timezone.now()
    for status in ACTIVE_STATUSES:
        for index, (low, high) in enumerate(AGE_BANDS):
            # Age in whole days since creation: low <= age < high.
            condition = Q(status=status, created_at__lte=now - timedelta(days=low))
            if high is not None:
                condition &= Q(created_at__gt=now - timedelta(days=high))
            aggregates[f"{status}_{index}"] = Count("pk", filter=condition)
    # Overdue on each of the last `weeks` Mondays-ago: created before that day,
    # due before it, and not finished by then (done tasks carry completed_on).
    all_tasks = Task.objects.for_user(user).exclude(status=TaskStatus.CANCELLED)
    trend_days = [day - timedelta(weeks=w) for w in range(weeks - 1, -1, -1)]
    trend: dict[str, Any] = {
        f"d{i}": Count(
            "pk",
            filter=Q(created_at__lt=_start_of(d), due_date__lt=d)
            & (Q(completed_on__isnull=True) | Q(completed_on__gt=d)),
        )
        for i, d in enumerate(trend_days)
    }
    counts = tasks.aggregate(**aggregates) if aggregates else {}
    board.by_status_and_age = {
        status: [counts[f"{status}_{i}"] for i in range(len(AGE_BANDS))]
        for status in ACTIVE_STATUSES
    }
    trend_counts = all_tasks.aggregate(**trend)
    board.overdue_trend = [(d, trend_counts[f"d{i}"]) for i, d in enumerate(trend_days)]

    episodes = CareEpisode.objects.for_user(user).filter(screened_on__isnull=False)
    clinic = [
        (visit - screened).days
        for screened, visit in episodes.filter(
            lipid_clinic_on__isnull=False
        ).values_list("screened_on", "lipid_clinic_on")
    ]
    if clinic:
        board.days_to_lipid_clinic = statistics.median(clinic)
        board.days_to_lipid_clinic_n = len(clinic)
    screened_on = dict(episodes.values_list("person_id", "screened_on"))
    first_result: dict[int, date] = {}
    for person_id, reported in (
        GeneticResult.objects.filter(person_id__in=list(screened_on))
        .order_by("report_date")
        .values_list("person_id", "report_date")
    ):
        if reported >= screened_on[person_id]:
            first_result.setdefault(person_id, reported)
    genetic = [(reported - screened_on[p]).days for p, reported in first_result.items()]
    if genetic:
        board.days_to_genetic_result = statistics.median(genetic)
        board.days_to_genetic_result_n = len(genetic)
    _cascade_figures(board, user)
    return board


def _cascade_figures(board: Dashboard, user: Viewer) -> None:
    """Invitations by state, and the median days from invitation to answer."""
    invitations = CascadeInvitation.objects.for_user(user)
    counts = dict(invitations.order_by().values_list("state").annotate(n=Count("pk")))
    board.invitations_by_state = {
        state: counts.get(state, 0) for state in InvitationState.values
    }
    waited = [
        (answered - created).days
        for created, answered in invitations.filter(
            answered_at__isnull=False
        ).values_list("created_at", "answered_at")
    ]
    if waited:
        board.days_to_answer = statistics.median(waited)
        board.days_to_answer_n = len(waited)


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))
