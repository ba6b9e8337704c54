"""Follow-up API: thin viewsets; every write is one `followup.services` call.

Who may do what: coordinators read and write within their practices;
pediatricians and administrators read what `for_user` gives them and get a 403
for a write (decided by role before any lookup, so it tells nothing about a
record); epidemiologists find no such endpoint (404), as in the screening API.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, status
from rest_framework.decorators import action
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from fh_registry.models import Role
from followup import services
from followup.api import filters
from followup.api.serializers import (
    AdvanceInput,
    CareEpisodeOutput,
    CloseInput,
    CompleteInput,
    ContactAttemptInput,
    ContactAttemptOutput,
    RescheduleInput,
    TaskInput,
    TaskOutput,
)
from followup.models import CareEpisode, ContactAttempt, Task
from screening.api.views import PersonDataViewSet, SeesPersons

REFUSED = OpenApiResponse(
    description="A field's value is missing or malformed (keyed by the field), "
    "or the step is refused (`non_field_errors`, with the refusal's code).",
)
HELD_ELSEWHERE = OpenApiResponse(
    description="Another coordinator holds the task, or it is finished "
    "(`non_field_errors` with code `held` or `finished`).",
)
NOT_FOUND = OpenApiResponse(description="No such record in the caller's scope.")
NO_SUCH_PERSON = OpenApiResponse(
    description="No such person (or task) in the caller's scope, as for a "
    "record that does not exist."
)
COORDINATORS_ONLY = OpenApiResponse(description="Only coordinators change follow-up.")


class CoordinatorsWrite(BasePermission):
    """Everyone who sees follow-up may read it; only coordinators change it."""

    message = _("Only coordinators change follow-up data.")

    def has_permission(self, request: Request, view: Any) -> bool:
        return (
            request.method in SAFE_METHODS
            or getattr(request.user, "role", None) == Role.COORDINATOR
        )


class TaskHeldElsewhere(exceptions.ValidationError):
    """A refusal in the registry's error shape, answered 409 Conflict."""

    status_code = status.HTTP_409_CONFLICT


@contextmanager
def refusals_answered() -> Iterator[None]:
    """A service's refusal as the API's answer: 409 for a task someone else
    holds (or that is finished), 400 with its message and code otherwise."""
    try:
        yield
    except services.TaskConflictError as conflict:
        raise TaskHeldElsewhere(conflict.message, code=conflict.code) from None
    except services.FollowUpError as refusal:
        raise exceptions.ValidationError(refusal.message, code=refusal.code) from None


class QueuePagination(PageNumberPagination):
    """Pages by number, as the queue page does: the queue's order (urgent first,
    then due date) leads with a column of two values, which a cursor can page
    through only by offsets, and DRF caps those at 1,000 rows."""

    page_size_query_param = "page_size"
    max_page_size = 500


class FollowUpViewSet(PersonDataViewSet):
    permission_classes = [IsAuthenticated, SeesPersons, CoordinatorsWrite]


@extend_schema_view(
    list=extend_schema(
        parameters=[filters.TaskQuery],
        responses={200: TaskOutput(many=True), 400: REFUSED},
    )
)
class TaskViewSet(FollowUpViewSet):
    """The coordinators' tasks, urgent first, then by due date."""

    serializer_class = TaskOutput
    pagination_class = QueuePagination
    filter_backends: list[Any] = []  # the list filters through filters.task_list

    def get_queryset(self) -> QuerySet[Task]:
        if self.action == "list":
            return filters.task_list(self.request.user, self.request.query_params)
        return Task.objects.for_user(self.request.user).select_related(
            "person", "practice", "assignee"
        )

    def _answer(self, task: Task, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=task.pk)
        return Response(TaskOutput(fresh).data, status=code)

    @extend_schema(
        request=TaskInput,
        responses={
            201: TaskOutput,
            400: REFUSED,
            403: COORDINATORS_ONLY,
            404: NO_SUCH_PERSON,
        },
    )
    def create(self, request: Request) -> Response:
        """A task made by hand, on the person's open episode when there is one."""
        payload = TaskInput(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        person = self.person_in_scope(data.pop("person"))
        with refusals_answered():
            task = services.create_task(
                person=person, acting_user=self.acting_user, **data
            )
        return self._answer(task, status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        responses={
            200: TaskOutput,
            403: COORDINATORS_ONLY,
            404: NOT_FOUND,
            409: HELD_ELSEWHERE,
        },
    )
    @action(detail=True, methods=["post"])
    def claim(self, request: Request, pk: str | None = None) -> Response:
        """Hold the task; holding it already is no error."""
        task = self.get_object()
        with refusals_answered():
            task = services.claim(task, acting_user=self.acting_user)
        return self._answer(task)

    @extend_schema(
        request=CompleteInput,
        responses={
            200: TaskOutput,
            400: REFUSED,
            403: COORDINATORS_ONLY,
            404: NOT_FOUND,
            409: HELD_ELSEWHERE,
        },
    )
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: str | None = None) -> Response:
        """Mark the task done (an open task is claimed on the way)."""
        task = self.get_object()
        payload = CompleteInput(data=request.data)
        payload.is_valid(raise_exception=True)
        with refusals_answered():
            task = services.complete(
                task, acting_user=self.acting_user, **payload.validated_data
            )
        return self._answer(task)

    @extend_schema(
        request=RescheduleInput,
        responses={
            200: TaskOutput,
            400: REFUSED,
            403: COORDINATORS_ONLY,
            404: NOT_FOUND,
            409: HELD_ELSEWHERE,
        },
    )
    @action(detail=True, methods=["post"])
    def reschedule(self, request: Request, pk: str | None = None) -> Response:
        """A new due date for an open task or one the caller holds."""
        task = self.get_object()
        payload = RescheduleInput(data=request.data)
        payload.is_valid(raise_exception=True)
        with refusals_answered():
            task = services.reschedule(
                task, acting_user=self.acting_user, **payload.validated_data
            )
        return self._answer(task)


class CareEpisodeViewSet(FollowUpViewSet):
    """Care episodes: `state` is the stage while open and "closed" once closed."""

    serializer_class = CareEpisodeOutput
    filterset_class = filters.CareEpisodeFilter

    def get_queryset(self) -> QuerySet[CareEpisode]:
        return CareEpisode.objects.for_user(self.request.user).select_related("person")

    def _answer(self, episode: CareEpisode) -> Response:
        return Response(CareEpisodeOutput(self.get_queryset().get(pk=episode.pk)).data)

    @extend_schema(
        request=AdvanceInput,
        responses={
            200: CareEpisodeOutput,
            400: REFUSED,
            403: COORDINATORS_ONLY,
            404: NOT_FOUND,
        },
    )
    @action(detail=True, methods=["post"])
    def advance(self, request: Request, pk: str | None = None) -> Response:
        """Move the episode forward to `stage`, bringing that stage's task."""
        episode = self.get_object()
        payload = AdvanceInput(data=request.data)
        payload.is_valid(raise_exception=True)
        with refusals_answered():
            episode = services.advance(
                episode, acting_user=self.acting_user, **payload.validated_data
            )
        return self._answer(episode)

    @extend_schema(
        request=CloseInput,
        responses={
            200: CareEpisodeOutput,
            400: REFUSED,
            403: COORDINATORS_ONLY,
            404: NOT_FOUND,
        },
    )
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str | None = None) -> Response:
        """Close the episode with an outcome; its active tasks are cancelled."""
        episode = self.get_object()
        payload = CloseInput(data=request.data)
        payload.is_valid(raise_exception=True)
        with refusals_answered():
            episode = services.close(
                episode, acting_user=self.acting_user, **payload.validated_data
            )
        return self._answer(episode)


class ContactAttemptViewSet(FollowUpViewSet):
    """Tries to reach a family; the third failed one in a row closes the
    person's episode as lost to follow-up."""

    serializer_class = ContactAttemptOutput
    filterset_class = filters.ContactAttemptFilter

    def get_queryset(self) -> QuerySet[ContactAttempt]:
        return ContactAttempt.objects.for_user(self.request.user).select_related(
            "person", "made_by"
        )

    @extend_schema(
        request=ContactAttemptInput,
        responses={
            201: ContactAttemptOutput,
            400: REFUSED,
            403: COORDINATORS_ONLY,
            404: NO_SUCH_PERSON,
        },
    )
    def create(self, request: Request) -> Response:
        payload = ContactAttemptInput(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        person = self.person_in_scope(data.pop("person"))
        task_id = data.pop("task")
        task = (
            get_object_or_404(Task.objects.for_user(request.user), pk=task_id)
            if task_id is not None
            else None
        )
        with refusals_answered():
            attempt = services.record_contact_attempt(
                person=person, task=task, acting_user=self.acting_user, **data
            )
        output = ContactAttemptOutput(self.get_queryset().get(pk=attempt.pk))
        return Response(output.data, status=status.HTTP_201_CREATED)
