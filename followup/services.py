"""The only writers of follow-up data: episodes, their steps, tasks and contact
attempts. Every change is audited with the acting user (None: a scheduled job).

Refusals are `FollowUpError` with a stable code and a message for people; the
pages show the message, the API answers 400 (or 409 for a task someone else
holds).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Model, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fh_registry.auditing import audited_save
from fh_registry.models import User
from followup import pathway
from followup.models import (
    ACTIVE_STATUSES,
    FAILED_CONTACT,
    CareEpisode,
    ContactAttempt,
    EpisodeOrigin,
    EpisodeOutcome,
    Priority,
    Stage,
    Task,
    TaskKind,
    TaskOrigin,
    TaskStatus,
)
from screening.models import Alert, Assessment, Person, calls_for_follow_up


class FollowUpError(Exception):
    """A step refused with a clear message; `code` is stable for the API."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class TaskConflictError(FollowUpError):
    """Another coordinator holds the task (or it is finished): the API's 409."""


# The pathway's refusals in the reader's language, by the pure module's codes.
_REFUSALS = {
    "unknown_stage": gettext_lazy("This is not a stage of the care pathway."),
    "same_stage": gettext_lazy("The episode is already at this stage."),
    "backwards": gettext_lazy(
        "The care pathway moves forward only; the earlier step stays in the "
        "episode's history."
    ),
    "closed": gettext_lazy("The episode is closed; nothing more can change in it."),
    "unknown_outcome": gettext_lazy("This is not an outcome of a care episode."),
}


def _refused(refusal: pathway.TransitionError) -> FollowUpError:
    return FollowUpError(refusal.code, str(_REFUSALS[refusal.code]))


def months_before(moment: Any, months: int) -> Any:
    """The same day and time `months` calendar months earlier (the 31st of a
    shorter month falls on its last day)."""
    month = moment.month - months
    year = moment.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def _days(name: str) -> timedelta:
    return timedelta(days=getattr(settings, name))


def without_history(model: type[Model], objs: list[Any]) -> list[Any]:
    """Those of `objs` that have no history row yet: the ones this call wrote
    (a concurrent or earlier delivery's rows already have theirs)."""
    recorded = set(
        model.history.filter(  # type: ignore[attr-defined]
            id__in=[o.pk for o in objs]
        ).values_list("id", flat=True)
    )
    return [o for o in objs if o.pk not in recorded]


def bulk_history(
    model: type[Model], objs: list[Any], user: User | None, *, update: bool = False
) -> None:
    """History rows for objects written set-based (bulk_create / update); an
    update is recorded as a change ("~"), not as a second creation."""
    if objs:
        model.history.bulk_history_create(  # type: ignore[attr-defined]
            objs, default_user=user, batch_size=2000, update=update
        )


# --- Opening: the reaction to new assessments ---------------------------------


@dataclass(frozen=True, slots=True)
class _Flagged:
    assessment_id: int
    person_id: int
    sample_date: date
    hofh: bool


def _flagged(assessments: Iterable[Assessment]) -> list[_Flagged]:
    """The assessments that call for follow-up, oldest sample first."""
    if isinstance(assessments, QuerySet):
        # An import's batch: most of its assessments need no follow-up.
        rows: Iterable[tuple[int, int, str, list[str], date]] = (
            assessments.may_call_for_follow_up()  # type: ignore[attr-defined]
            .values_list(
                "pk", "person_id", "outcome", "alerts", "lab_result__sample_date"
            )
            .iterator(chunk_size=5000)
        )
    else:
        rows = (
            (a.pk, a.person_id, a.outcome, a.alerts, a.lab_result.sample_date)
            for a in assessments
        )
    found = [
        _Flagged(pk, person_id, sample_date, Alert.HOFH_SUSPECTED in alerts)
        for pk, person_id, outcome, alerts, sample_date in rows
        if calls_for_follow_up(outcome, alerts)
    ]
    return sorted(found, key=lambda f: (f.sample_date, f.assessment_id))


@transaction.atomic
def open_for_assessments(
    assessments: Iterable[Assessment], *, acting_user: User | None
) -> list[CareEpisode]:
    """Open episodes and their first tasks for assessments that call for it.

    A person's first flagged assessment opens their episode, with `repeat_lipids`
    due REPEAT_LIPIDS_DUE_DAYS after the sample; `hofh_suspected` adds an urgent
    `lipid_clinic_referral` due HOFH_REFERRAL_DUE_DAYS after it. A person with an
    open episode gets no second one and no task twice (unique keys); a person
    whose episode closed gets a new one only for a sample taken after it closed,
    so an event delivered again (a retried task, a re-run import) changes nothing.
    Set-based: an import's 100,000 assessments are a handful of queries.
    Returns the episodes opened now.
    """
    flagged = _flagged(assessments)
    if not flagged:
        return []
    person_ids = {f.person_id for f in flagged}
    open_episodes = {
        e.person_id: e
        for e in CareEpisode.objects.filter(
            person_id__in=person_ids, closed_on__isnull=True
        )
    }
    last_closed: dict[int, date] = {}
    for person_id, closed_on in CareEpisode.objects.filter(
        person_id__in=person_ids, closed_on__isnull=False
    ).values_list("person_id", "closed_on"):
        last_closed[person_id] = max(closed_on, last_closed.get(person_id, closed_on))
    already_opened = set(
        CareEpisode.objects.filter(
            opened_by_id__in=[f.assessment_id for f in flagged]
        ).values_list("opened_by_id", flat=True)
    )

    today = timezone.localdate()
    to_open: dict[int, CareEpisode] = {}
    for f in flagged:
        if f.person_id in open_episodes or f.person_id in to_open:
            continue
        if f.assessment_id in already_opened:
            continue
        closed = last_closed.get(f.person_id)
        if closed is not None and f.sample_date <= closed:
            continue  # an older result does not reopen a finished pathway
        to_open[f.person_id] = CareEpisode(
            person_id=f.person_id,
            origin=EpisodeOrigin.SCREENING,
            opened_by_id=f.assessment_id,
            opened_on=today,
            screened_on=f.sample_date,
        )
    opened = _create_episodes(list(to_open.values()), acting_user)
    episodes = open_episodes | {e.person_id: e for e in opened}

    tasks: list[Task] = []
    for e in opened:
        assert e.screened_on is not None  # set for every episode a result opens
        tasks.append(
            _pathway_task(
                e,
                TaskKind.REPEAT_LIPIDS,
                e.screened_on + _days("FOLLOWUP_REPEAT_LIPIDS_DUE_DAYS"),
            )
        )
    for f in flagged:
        episode = episodes.get(f.person_id)
        if f.hofh and episode is not None:
            tasks.append(
                _pathway_task(
                    episode,
                    TaskKind.LIPID_CLINIC_REFERRAL,
                    f.sample_date + _days("FOLLOWUP_HOFH_REFERRAL_DUE_DAYS"),
                    priority=Priority.URGENT,
                )
            )
    create_tasks(tasks, acting_user=acting_user)
    return opened


def _create_episodes(
    episodes: list[CareEpisode], acting_user: User | None
) -> list[CareEpisode]:
    """Insert episodes, skipping any a concurrent delivery inserted first."""
    if not episodes:
        return []
    CareEpisode.objects.bulk_create(episodes, ignore_conflicts=True, batch_size=2000)
    # ignore_conflicts leaves the primary keys unset: read back what is ours.
    created = without_history(
        CareEpisode,
        list(
            CareEpisode.objects.filter(
                opened_by_id__in=[e.opened_by_id for e in episodes]
            )
        ),
    )
    bulk_history(CareEpisode, created, acting_user)
    return created


def _pathway_task(
    episode: CareEpisode,
    kind: str,
    due: date,
    *,
    priority: str = Priority.ROUTINE,
    origin: str = TaskOrigin.PATHWAY,
) -> Task:
    return Task(
        person_id=episode.person_id,
        episode=episode,
        kind=kind,
        due_date=due,
        priority=priority,
        origin=origin,
        dedupe_key=f"{origin}:{episode.pk}:{kind}",
    )


def with_practices(tasks: list[Task]) -> None:
    """Each task carries its person's practice (one query for the lot)."""
    missing = {t.person_id for t in tasks if t.practice_id is None}
    if missing:
        practice_of = dict(
            Person.objects.filter(pk__in=missing).values_list("pk", "practice_id")
        )
        for t in tasks:
            if t.practice_id is None:
                t.practice_id = practice_of[t.person_id]


def create_tasks(tasks: list[Task], *, acting_user: User | None) -> list[Task]:
    """Insert event- and job-made tasks; a `dedupe_key` already present is left
    alone, so an event or a job run twice adds nothing. Returns those added."""
    if not tasks:
        return []
    keys = [t.dedupe_key for t in tasks]
    existing = set(
        Task.objects.filter(dedupe_key__in=keys).values_list("dedupe_key", flat=True)
    )
    seen: set[str | None] = set()
    new = []
    for t in tasks:
        if t.dedupe_key in existing or t.dedupe_key in seen:
            continue
        seen.add(t.dedupe_key)
        t.created_by = acting_user
        new.append(t)
    with_practices(new)
    Task.objects.bulk_create(new, ignore_conflicts=True, batch_size=2000)
    created = without_history(
        Task, list(Task.objects.filter(dedupe_key__in=[t.dedupe_key for t in new]))
    )
    bulk_history(Task, created, acting_user)
    return created


@transaction.atomic
def open_episode(
    *,
    person: Person,
    origin: str,
    acting_user: User | None,
    note: str = "",
    stage: str = pathway.REPEAT_LIPIDS,
) -> CareEpisode:
    """Open an episode by hand or for an accepted cascade invitation; the
    person's open episode is returned as it is when there is one."""
    current = (
        CareEpisode.objects.select_for_update()
        .filter(person=person, closed_on__isnull=True)
        .first()
    )
    if current is not None:
        return current
    if stage not in pathway.STAGES:
        raise _refused(pathway.TransitionError("unknown_stage", ""))
    episode = CareEpisode(
        person=person,
        origin=origin,
        stage=stage,
        opened_on=timezone.localdate(),
        note=note,
    )
    audited_save(episode, acting_user=acting_user)
    _enter_stage(episode, stage, acting_user)
    return episode


def allowed_stages(episode: CareEpisode | None) -> list[tuple[str, Any]]:
    """The stages (value, label) an episode may move to next, for the page."""
    if episode is None:
        return []
    labels = dict(Stage.choices)
    return [(s, labels[s]) for s in pathway.allowed_stages(episode.current_stage)]


# --- The pathway --------------------------------------------------------------


def _locked_episode(episode: CareEpisode) -> CareEpisode:
    return CareEpisode.objects.select_for_update().get(pk=episode.pk)


@transaction.atomic
def advance(
    episode: CareEpisode,
    *,
    stage: str,
    acting_user: User,
    on: date | None = None,
) -> CareEpisode:
    """Move an episode forward to `stage` (on the day `on`, default today) and
    add that stage's task; a step back or a closed episode is refused."""
    episode = _locked_episode(episode)
    try:
        pathway.check_advance(episode.current_stage, stage)
    except pathway.TransitionError as refusal:
        raise _refused(refusal) from None
    day = on or timezone.localdate()
    episode.stage = stage
    if stage == pathway.LIPID_CLINIC and episode.lipid_clinic_on is None:
        episode.lipid_clinic_on = day
    if stage == pathway.TREATMENT and episode.treatment_started_on is None:
        episode.treatment_started_on = day
    audited_save(episode, acting_user=acting_user)
    _enter_stage(episode, stage, acting_user)
    return episode


def _enter_stage(episode: CareEpisode, stage: str, acting_user: User | None) -> None:
    """The stage's task, unless the episode has had one of its kind."""
    kind = pathway.STAGE_TASK[stage]
    create_tasks(
        [
            _pathway_task(
                episode,
                kind,
                timezone.localdate() + _days("FOLLOWUP_STAGE_TASK_DUE_DAYS"),
            )
        ],
        acting_user=acting_user,
    )


@transaction.atomic
def close(
    episode: CareEpisode,
    *,
    outcome: str,
    acting_user: User | None,
    on: date | None = None,
    note: str = "",
) -> CareEpisode:
    """Close an episode with an outcome; its open tasks are cancelled."""
    episode = _locked_episode(episode)
    try:
        pathway.check_close(episode.current_stage, outcome)
    except pathway.TransitionError as refusal:
        raise _refused(refusal) from None
    episode.closed_on = on or timezone.localdate()
    episode.outcome = outcome
    if note:
        episode.note = f"{episode.note}\n{note}".strip()
    audited_save(episode, acting_user=acting_user)
    cancel_active_tasks(Task.objects.filter(episode=episode), acting_user)
    return episode


def complete_active_tasks(tasks: QuerySet[Task], acting_user: User | None) -> None:
    """Mark active tasks done (their work happened elsewhere, e.g. a letter)."""
    active = list(tasks.filter(status__in=ACTIVE_STATUSES))
    for task in active:
        task.status = TaskStatus.DONE
        task.completed_on = timezone.localdate()
    Task.objects.bulk_update(active, ["status", "completed_on"])
    bulk_history(Task, active, acting_user, update=True)


def cancel_active_tasks(tasks: QuerySet[Task], acting_user: User | None) -> None:
    active = list(tasks.filter(status__in=ACTIVE_STATUSES))
    for task in active:
        task.status = TaskStatus.CANCELLED
    Task.objects.bulk_update(active, ["status"])
    bulk_history(Task, active, acting_user, update=True)


# --- Tasks: claim, complete, reschedule, assign --------------------------------


def _held_elsewhere(task: Task) -> TaskConflictError:
    if task.status == TaskStatus.CLAIMED:
        return TaskConflictError("held", _("Another coordinator holds this task."))
    return TaskConflictError(
        "finished",
        _("This task is finished (%(status)s).")
        % {"status": task.get_status_display()},
    )


def _audited_task_update(task_id: int, acting_user: User) -> Task:
    """The task as written by a conditional update, with its history row."""
    task = Task.objects.select_related("assignee").get(pk=task_id)
    bulk_history(Task, [task], acting_user, update=True)
    return task


@transaction.atomic
def claim(task: Task, *, acting_user: User) -> Task:
    """The caller holds the task afterwards, or `TaskConflictError` is raised.

    One conditional UPDATE decides: of any number of coordinators claiming at
    once, exactly one changes the row; claiming a task one already holds is
    a no-op success.
    """
    won = Task.objects.filter(pk=task.pk, status=TaskStatus.OPEN).update(
        status=TaskStatus.CLAIMED, assignee=acting_user
    )
    if won:
        return _audited_task_update(task.pk, acting_user)
    current = Task.objects.select_related("assignee").get(pk=task.pk)
    if current.status == TaskStatus.CLAIMED and current.assignee_id == acting_user.pk:
        return current
    raise _held_elsewhere(current)


@transaction.atomic
def complete(task: Task, *, acting_user: User, note: str = "") -> Task:
    """Mark a task done by the caller (an open one is claimed on the way)."""
    current = (
        Task.objects.select_for_update(of=("self",))
        .select_related("assignee")
        .get(pk=task.pk)
    )
    if current.status == TaskStatus.DONE and current.assignee_id == acting_user.pk:
        return current
    if current.status not in ACTIVE_STATUSES or (
        current.status == TaskStatus.CLAIMED and current.assignee_id != acting_user.pk
    ):
        raise _held_elsewhere(current)
    current.status = TaskStatus.DONE
    current.assignee = acting_user
    current.completed_on = timezone.localdate()
    if note:
        current.note = f"{current.note}\n{note}".strip()
    audited_save(current, acting_user=acting_user)
    return current


@transaction.atomic
def reschedule(task: Task, *, due_date: date, acting_user: User) -> Task:
    """A new due date for an open task or one the caller holds."""
    current = (
        Task.objects.select_for_update(of=("self",))
        .select_related("assignee")
        .get(pk=task.pk)
    )
    if current.status not in ACTIVE_STATUSES or (
        current.status == TaskStatus.CLAIMED and current.assignee_id != acting_user.pk
    ):
        raise _held_elsewhere(current)
    if due_date < timezone.localdate():
        raise FollowUpError("due_in_past", _("A new due date cannot be in the past."))
    current.due_date = due_date
    current.escalated_on = None
    audited_save(current, acting_user=acting_user)
    return current


@dataclass(frozen=True, slots=True)
class BulkResult:
    changed: int
    held_elsewhere: int


@transaction.atomic
def assign_many(
    task_ids: list[int], *, assignee: User, acting_user: User
) -> BulkResult:
    """Hand active tasks to `assignee`; tasks another coordinator holds (or that
    are finished) are left as they are and counted."""
    tasks = list(Task.objects.select_for_update().filter(pk__in=task_ids))
    free = [
        t
        for t in tasks
        if t.status == TaskStatus.OPEN
        or (
            t.status == TaskStatus.CLAIMED
            and t.assignee_id in (acting_user.pk, assignee.pk)
        )
    ]
    for t in free:
        t.status = TaskStatus.CLAIMED
        t.assignee = assignee
    Task.objects.bulk_update(free, ["status", "assignee"])
    bulk_history(Task, free, acting_user, update=True)
    return BulkResult(changed=len(free), held_elsewhere=len(tasks) - len(free))


@transaction.atomic
def reschedule_many(
    task_ids: list[int], *, due_date: date, acting_user: User
) -> BulkResult:
    """A new due date for each open task or task the caller holds."""
    if due_date < timezone.localdate():
        raise FollowUpError("due_in_past", _("A new due date cannot be in the past."))
    tasks = list(Task.objects.select_for_update().filter(pk__in=task_ids))
    free = [
        t
        for t in tasks
        if t.status == TaskStatus.OPEN
        or (t.status == TaskStatus.CLAIMED and t.assignee_id == acting_user.pk)
    ]
    for t in free:
        t.due_date = due_date
        t.escalated_on = None
    Task.objects.bulk_update(free, ["due_date", "escalated_on"])
    bulk_history(Task, free, acting_user, update=True)
    return BulkResult(changed=len(free), held_elsewhere=len(tasks) - len(free))


@transaction.atomic
def create_task(
    *,
    person: Person,
    kind: str,
    due_date: date,
    acting_user: User,
    priority: str = Priority.ROUTINE,
    note: str = "",
) -> Task:
    """A task made by hand, on the person's open episode when there is one."""
    episode = CareEpisode.objects.filter(person=person, closed_on__isnull=True).first()
    task = Task(
        person=person,
        practice_id=person.practice_id,
        episode=episode,
        kind=kind,
        due_date=due_date,
        priority=priority,
        origin=TaskOrigin.MANUAL,
        note=note,
        created_by=acting_user,
    )
    audited_save(task, acting_user=acting_user)
    return task


# --- Contact attempts and loss to follow-up -------------------------------------


@transaction.atomic
def record_contact_attempt(
    *,
    person: Person,
    channel: str,
    outcome: str,
    acting_user: User,
    note: str = "",
    task: Task | None = None,
) -> ContactAttempt:
    """Record one try to reach a family (append-only).

    After FOLLOWUP_LOST_AFTER_FAILED_ATTEMPTS failed tries within
    LOST_TO_FOLLOW_UP_MONTHS (DOMAIN §6: 18), with no successful contact since the
    first of them, the person's open episode closes as lost to follow-up and the
    practice gets a task to recall the family.
    """
    if task is not None and task.person_id != person.pk:
        raise FollowUpError(
            "task_of_other_person", _("The task belongs to another person.")
        )
    episode = CareEpisode.objects.filter(person=person, closed_on__isnull=True).first()
    attempt = ContactAttempt(
        person=person,
        episode=episode,
        task=task,
        channel=channel,
        outcome=outcome,
        note=note,
        made_by=acting_user,
    )
    attempt.full_clean(exclude=["person", "episode", "task", "made_by"])
    attempt.save()
    if episode is not None and attempt.failed and _contact_lost(episode, attempt):
        mark_lost(episode, acting_user=acting_user)
    return attempt


def _contact_lost(episode: CareEpisode, latest: ContactAttempt) -> bool:
    since = months_before(latest.attempted_at, settings.LOST_TO_FOLLOW_UP_MONTHS)
    recent = list(
        ContactAttempt.objects.filter(episode=episode, attempted_at__gte=since)
        .values_list("outcome", flat=True)
        .order_by("-attempted_at", "-pk")
    )
    failed_in_a_row = 0
    for outcome in recent:
        if outcome not in FAILED_CONTACT:
            break
        failed_in_a_row += 1
    return failed_in_a_row >= settings.FOLLOWUP_LOST_AFTER_FAILED_ATTEMPTS


@transaction.atomic
def mark_lost(
    episode: CareEpisode, *, acting_user: User | None, on: date | None = None
) -> CareEpisode:
    """Close as lost to follow-up (on the day `on`, default today); the practice
    gets a task to recall the family."""
    day = on or timezone.localdate()
    episode = close(
        episode,
        outcome=EpisodeOutcome.LOST_TO_FOLLOW_UP,
        acting_user=acting_user,
        on=day,
    )
    create_tasks(
        [
            Task(
                person_id=episode.person_id,
                episode=episode,
                kind=TaskKind.PRACTICE_RECALL,
                due_date=day + _days("FOLLOWUP_PRACTICE_RECALL_DUE_DAYS"),
                origin=TaskOrigin.PATHWAY,
                dedupe_key=f"lost:{episode.pk}",
            )
        ],
        acting_user=acting_user,
    )
    return episode


@transaction.atomic
def stop_for_withdrawn(persons: Iterable[Person], *, acting_user: User | None) -> None:
    """Consent withdrawn: the open episode closes as declined and active tasks
    are cancelled; an open cascade invitation is declined."""
    from followup.models import CascadeInvitation, InvitationState  # noqa: PLC0415
    from screening.services import consent_withdrawn  # noqa: PLC0415

    for person in persons:
        if not consent_withdrawn(person):
            continue
        episode = CareEpisode.objects.filter(
            person=person, closed_on__isnull=True
        ).first()
        if episode is not None:
            close(
                episode,
                outcome=EpisodeOutcome.DECLINED,
                acting_user=acting_user,
                note=_("Consent withdrawn."),
            )
        cancel_active_tasks(Task.objects.filter(person=person), acting_user)
        invitation = CascadeInvitation.objects.filter(
            relative=person,
            state__in=[
                InvitationState.PROPOSED,
                InvitationState.INVITED,
                InvitationState.UNREACHABLE,
                InvitationState.ACCEPTED,
            ],
        ).first()
        if invitation is not None:
            invitation.state = InvitationState.DECLINED
            audited_save(invitation, acting_user=acting_user)
