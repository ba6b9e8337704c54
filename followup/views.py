"""Coordinator pages: the work queue, a person's follow-up, the dashboard.

Thin: the forms check input, `followup.services` writes, `followup.queries`
reads. Only coordinators find these pages (others get a 404, as for a record
out of scope); pediatricians see their children's episodes on the child's page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fh_registry.models import Role
from fh_registry.requests import AuthenticatedRequest
from followup import services
from followup.charts import trend_bars
from followup.forms import (
    AdvanceForm,
    BulkForm,
    CloseForm,
    CompleteForm,
    ContactAttemptForm,
    NewTaskForm,
    QueueFilterForm,
    RescheduleForm,
)
from followup.models import (
    CareEpisode,
    EpisodeOrigin,
    InvitationState,
    Task,
    TaskStatus,
)
from followup.queries import (
    counts_by_status,
    matching_count,
    person_follow_up,
    tasks_for,
)
from followup.queries import dashboard as dashboard_figures
from screening.access_log import record_reads
from screening.models import Person, ReadKind


def _require_coordinator(request: AuthenticatedRequest) -> None:
    if request.user.role != Role.COORDINATOR:
        raise Http404


def _back(request: AuthenticatedRequest, default: str, **kwargs: Any) -> HttpResponse:
    """Back to where the form was sent from (same site only), else `default`."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(default, **kwargs)


def _acted(
    request: AuthenticatedRequest, action: Callable[[], object], done: str
) -> bool:
    """Run a service call; its refusal becomes an error message."""
    try:
        action()
    except services.FollowUpError as refusal:
        messages.error(request, refusal.message)
        return False
    messages.success(request, done)
    return True


@login_required
def queue(request: AuthenticatedRequest) -> HttpResponse:
    _require_coordinator(request)
    filter_form = QueueFilterForm(request.GET or None)
    filters = filter_form.filters()
    counts = counts_by_status(request.user, filters)
    paginator = Paginator(
        tasks_for(request.user, filters), settings.FOLLOWUP_QUEUE_PAGE_SIZE
    )
    paginator.count = matching_count(counts, filters)  # (a cached_property)
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "followup/queue.html",
        {
            "filter_form": filter_form,
            "page": page,
            "counts": _labelled(counts),
            "bulk_form": BulkForm(tasks=Task.objects.none()),
            "query": query.urlencode(),
            "today": timezone.localdate(),
            # The rows' links and actions are these prefixes + "<id>/claim/"
            # or "<pseudonym>/" (one reverse each, not one per row).
            "tasks_url": reverse("followup:task-claim", args=[0]).removesuffix(
                "0/claim/"
            ),
            "persons_url": reverse("followup:person", args=["-"]).removesuffix("-/"),
        },
    )


@login_required
@require_POST
def queue_bulk(request: AuthenticatedRequest) -> HttpResponse:
    _require_coordinator(request)
    form = BulkForm(request.POST, tasks=Task.objects.for_user(request.user))
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return _back(request, "followup:queue")
    ids = [t.pk for t in form.cleaned_data["tasks"]]
    try:
        if form.cleaned_data["action"] == "assign":
            result = services.assign_many(
                ids, assignee=form.cleaned_data["assignee"], acting_user=request.user
            )
        else:
            result = services.reschedule_many(
                ids, due_date=form.cleaned_data["due_date"], acting_user=request.user
            )
    except services.FollowUpError as refusal:
        messages.error(request, refusal.message)
        return _back(request, "followup:queue")
    messages.success(request, _("%(n)d tasks changed.") % {"n": result.changed})
    if result.held_elsewhere:
        messages.warning(
            request,
            _(
                "%(n)d tasks were left as they are: another coordinator holds "
                "them or they are finished."
            )
            % {"n": result.held_elsewhere},
        )
    return _back(request, "followup:queue")


def _labelled(counts: dict[str, int]) -> list[tuple[str, str, int]]:
    labels = dict(TaskStatus.choices)
    return [(status, str(labels[status]), n) for status, n in counts.items()]


def _task_in_scope(request: AuthenticatedRequest, task_id: int) -> Task:
    return get_object_or_404(Task.objects.for_user(request.user), pk=task_id)


@login_required
@require_POST
def task_claim(request: AuthenticatedRequest, task_id: int) -> HttpResponse:
    _require_coordinator(request)
    task = _task_in_scope(request, task_id)
    _acted(
        request,
        lambda: services.claim(task, acting_user=request.user),
        _("You hold the task now."),
    )
    return _back(request, "followup:queue")


@login_required
@require_POST
def task_complete(request: AuthenticatedRequest, task_id: int) -> HttpResponse:
    _require_coordinator(request)
    task = _task_in_scope(request, task_id)
    form = CompleteForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    _acted(
        request,
        lambda: services.complete(task, acting_user=request.user, note=note),
        _("The task is done."),
    )
    return _back(request, "followup:queue")


@login_required
@require_POST
def task_reschedule(request: AuthenticatedRequest, task_id: int) -> HttpResponse:
    _require_coordinator(request)
    task = _task_in_scope(request, task_id)
    form = RescheduleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the new due date."))
        return _back(request, "followup:queue")
    _acted(
        request,
        lambda: services.reschedule(
            task, due_date=form.cleaned_data["due_date"], acting_user=request.user
        ),
        _("The task has a new due date."),
    )
    return _back(request, "followup:queue")


def _person_in_scope(request: AuthenticatedRequest, pseudonym: str) -> Person:
    return get_object_or_404(
        Person.objects.for_user(request.user).select_related("practice"),
        pseudonym=pseudonym,
    )


@login_required
def person(request: AuthenticatedRequest, pseudonym: str) -> HttpResponse:
    """A person's follow-up: episode, timeline, tasks, contact attempts."""
    _require_coordinator(request)
    subject = _person_in_scope(request, pseudonym)
    record_reads(request, [subject], [ReadKind.FOLLOW_UP])
    context = person_follow_up(person=subject, user=request.user)
    episode = context["open_episode"]
    context.update(
        contact_form=ContactAttemptForm(),
        advance_form=AdvanceForm(),
        close_form=CloseForm(),
        task_form=NewTaskForm(),
        stages=services.allowed_stages(episode),
    )
    return render(request, "followup/person.html", context)


@login_required
@require_POST
def contact_attempt(request: AuthenticatedRequest, pseudonym: str) -> HttpResponse:
    _require_coordinator(request)
    subject = _person_in_scope(request, pseudonym)
    form = ContactAttemptForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        task = _task_in_scope(request, data["task"]) if data.get("task") else None
        _acted(
            request,
            lambda: services.record_contact_attempt(
                person=subject,
                channel=data["channel"],
                outcome=data["outcome"],
                note=data["note"],
                task=task,
                acting_user=request.user,
            ),
            _("The contact attempt is recorded."),
        )
    else:
        messages.error(request, _("Choose the channel and the outcome."))
    return _back(request, "followup:person", pseudonym=pseudonym)


def _episode_in_scope(request: AuthenticatedRequest, episode_id: int) -> CareEpisode:
    return get_object_or_404(
        CareEpisode.objects.for_user(request.user).select_related("person"),
        pk=episode_id,
    )


@login_required
@require_POST
def episode_advance(request: AuthenticatedRequest, episode_id: int) -> HttpResponse:
    _require_coordinator(request)
    episode = _episode_in_scope(request, episode_id)
    form = AdvanceForm(request.POST)
    if form.is_valid():
        _acted(
            request,
            lambda: services.advance(
                episode,
                stage=form.cleaned_data["stage"],
                on=form.cleaned_data["on"],
                acting_user=request.user,
            ),
            _("The episode moved on."),
        )
    else:
        messages.error(request, _("Choose a stage of the care pathway."))
    return redirect("followup:person", pseudonym=episode.person.pseudonym)


@login_required
@require_POST
def episode_close(request: AuthenticatedRequest, episode_id: int) -> HttpResponse:
    _require_coordinator(request)
    episode = _episode_in_scope(request, episode_id)
    form = CloseForm(request.POST)
    if form.is_valid():
        _acted(
            request,
            lambda: services.close(
                episode,
                outcome=form.cleaned_data["outcome"],
                note=form.cleaned_data["note"],
                acting_user=request.user,
            ),
            _("The episode is closed."),
        )
    else:
        messages.error(request, _("Choose how the episode ended."))
    return redirect("followup:person", pseudonym=episode.person.pseudonym)


@login_required
@require_POST
def episode_open(request: AuthenticatedRequest, pseudonym: str) -> HttpResponse:
    _require_coordinator(request)
    subject = _person_in_scope(request, pseudonym)
    services.open_episode(
        person=subject, origin=EpisodeOrigin.MANUAL, acting_user=request.user
    )
    messages.success(request, _("An episode is open."))
    return redirect("followup:person", pseudonym=pseudonym)


@login_required
@require_POST
def task_create(request: AuthenticatedRequest, pseudonym: str) -> HttpResponse:
    _require_coordinator(request)
    subject = _person_in_scope(request, pseudonym)
    form = NewTaskForm(request.POST)
    if form.is_valid():
        services.create_task(
            person=subject, acting_user=request.user, **form.cleaned_data
        )
        messages.success(request, _("The task is in the queue."))
    else:
        messages.error(request, _("Give the kind, the due date and the priority."))
    return redirect("followup:person", pseudonym=pseudonym)


@login_required
def dashboard(request: AuthenticatedRequest) -> HttpResponse:
    _require_coordinator(request)
    board = dashboard_figures(request.user)
    labels = dict(TaskStatus.choices)
    return render(
        request,
        "followup/dashboard.html",
        {
            "board": board,
            "by_status_and_age": [
                (status, labels[status], counts)
                for status, counts in board.by_status_and_age.items()
            ],
            "bars": trend_bars(board.overdue_trend),
            "invitations": [
                (state, str(dict(InvitationState.choices)[state]), n)
                for state, n in board.invitations_by_state.items()
            ],
            "cascade_total": sum(board.invitations_by_state.values()),
        },
    )
