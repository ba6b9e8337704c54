"""Screening API: thin viewsets over the same services as the pages."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from fh_registry.access import (
    can_enter_results,
    can_submit_lab_results,
    visible_practices,
)
from fh_registry.models import Role, User
from screening import services
from screening.api import filters
from screening.api.serializers import (
    AssessmentOutput,
    GeneticResultInput,
    GeneticResultOutput,
    LabResultInput,
    LabResultOutput,
    PersonInput,
    PersonOutput,
)
from screening.models import (
    Assessment,
    ConsentScope,
    GeneticResult,
    LabResult,
    Person,
    ResultSource,
)

IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    description="A key unique per result; a retry with the same key returns the "
    "result recorded the first time (200) instead of a duplicate.",
)


class SeesPersons(BasePermission):
    """Roles without access to persons (epidemiologists) find no such endpoint."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if getattr(request.user, "role", None) == Role.EPIDEMIOLOGIST:
            raise NotFound
        return True


def can_register_relatives(user: Any) -> bool:
    """Relatives are added by pediatricians and by coordinators (as on the
    family page); children only by pediatricians."""
    return getattr(user, "role", None) in (Role.PEDIATRICIAN, Role.COORDINATOR)


class PersonDataViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [IsAuthenticated, SeesPersons]

    def person_in_scope(self, pseudonym: str) -> Person:
        """The person if the caller may see them; 404 otherwise, as for no person."""
        person = (
            Person.objects.for_user(self.request.user)
            .filter(pseudonym=pseudonym)
            .first()
        )
        if person is None:
            raise NotFound
        return person

    @property
    def acting_user(self) -> User:
        """The signed-in registry user (IsAuthenticated has let only them in)."""
        user = self.request.user
        assert isinstance(user, User)
        return user

    def require_entry_rights(self) -> None:
        if not can_enter_results(self.request.user):
            raise NotFound


class PersonViewSet(PersonDataViewSet):
    serializer_class = PersonOutput
    filterset_class = filters.PersonFilter
    lookup_field = "pseudonym"

    def get_queryset(self) -> QuerySet[Person]:
        return Person.objects.for_user(self.request.user).select_related(
            "practice", "identity", "mother", "father"
        )

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        context["show_identity"] = getattr(self.request.user, "role", None) in {
            Role.PEDIATRICIAN.value,
            Role.COORDINATOR.value,
        }
        return context

    @extend_schema(
        request=PersonInput,
        responses={
            201: PersonOutput,
            400: OpenApiResponse(
                description="A field is missing or malformed, or the service "
                "refused the registration (keyed by the field, with a code)."
            ),
            404: OpenApiResponse(
                description="Not an entering role, or a practice or linked "
                "person outside the caller's scope."
            ),
        },
    )
    def create(self, request: Request) -> Response:
        """Register a screened child, or a relative linked into the pedigree
        (`mother`/`father` or `parent_of`; pediatricians and coordinators)."""
        payload = PersonInput(data=request.data)
        if not can_register_relatives(request.user):
            raise NotFound
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        links = {key: data.pop(key, None) for key in ("mother", "father", "parent_of")}
        identity = services.IdentityEntry(
            **{name: data.pop(name) for name in services.IdentityEntry.__slots__}
        )
        if any(links.values()):
            person = self._register_relative(links, identity, data)
        else:
            self.require_entry_rights()
            practice = (
                visible_practices(request.user)
                .filter(code=data.pop("practice"))
                .first()
            )
            if practice is None:
                raise NotFound("No such practice.")
            data.pop("deceased")
            person = services.register_child(
                acting_user=self.acting_user,
                practice=practice,
                identity=identity,
                **data,
            )
        output = PersonOutput(
            self.get_queryset().get(pk=person.pk), context=self.get_serializer_context()
        )
        return Response(output.data, status=status.HTTP_201_CREATED)

    @transaction.atomic
    def _register_relative(
        self,
        links: dict[str, str | None],
        identity: services.IdentityEntry,
        data: dict[str, Any],
    ) -> Person:
        """A relative and, where given, their consent: in one transaction."""
        linked = {
            key: self.person_in_scope(value) if value else None
            for key, value in links.items()
        }
        anchor = linked["parent_of"] or linked["mother"] or linked["father"]
        assert anchor is not None  # the caller checked that one link is given
        code = data.get("practice")
        if code and code != anchor.practice.code:
            raise ValidationError(
                {
                    "practice": ValidationError(
                        "A relative belongs to the practice of the person they "
                        "are linked to.",
                        code="practice",
                    )
                }
            )
        if linked["parent_of"] is not None:
            person = services.register_parent(
                acting_user=self.acting_user,
                child=linked["parent_of"],
                sex=data["sex"],
                birth_date=data["birth_date"],
                identity=identity,
                deceased=data["deceased"],
            )
        else:
            person = services.register_child_of(
                acting_user=self.acting_user,
                mother=linked["mother"],
                father=linked["father"],
                sex=data["sex"],
                birth_date=data["birth_date"],
                identity=identity,
                deceased=data["deceased"],
            )
        if data.get("consent_given_on"):
            services.record_consent(
                person=person,
                scope=ConsentScope.SCREENING,
                given_on=data["consent_given_on"],
                given_by=data["consent_given_by"],
                acting_user=self.acting_user,
            )
        return person


class LabResultViewSet(PersonDataViewSet):
    serializer_class = LabResultOutput
    filterset_class = filters.LabResultFilter
    # A lab system's token submits results and reads none (authentication.py).
    lab_system_actions = frozenset({"create"})

    def get_queryset(self) -> QuerySet[LabResult]:
        return (
            LabResult.objects.for_user(self.request.user)
            .select_related("person")
            .prefetch_related("assessments__person")
        )

    @extend_schema(
        request=LabResultInput,
        responses={201: LabResultOutput, 200: LabResultOutput},
        parameters=[IDEMPOTENCY_HEADER],
    )
    def create(self, request: Request) -> Response:
        """Record a result; the response carries its assessment."""
        if not can_submit_lab_results(request.user):
            raise NotFound
        payload = LabResultInput(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        person = self.person_in_scope(data.pop("person"))
        confirm = data.pop("confirm_extreme_values")
        recorded = services.record_lab_result(
            acting_user=self.acting_user,
            person=person,
            entry=services.LabEntry(**data),
            source=ResultSource.API,
            confirm_extreme=confirm,
            idempotency_key=request.headers.get("Idempotency-Key") or None,
        )
        context = self.get_serializer_context()
        context["assessment"] = recorded.assessment  # already in hand: no re-read
        return Response(
            LabResultOutput(recorded.lab_result, context=context).data,
            status=status.HTTP_201_CREATED if recorded.created else status.HTTP_200_OK,
        )


class AssessmentViewSet(PersonDataViewSet):
    serializer_class = AssessmentOutput
    filterset_class = filters.AssessmentFilter

    def get_queryset(self) -> QuerySet[Assessment]:
        return Assessment.objects.for_user(self.request.user).select_related("person")


class GeneticResultViewSet(PersonDataViewSet):
    serializer_class = GeneticResultOutput
    filterset_class = filters.GeneticResultFilter

    def get_queryset(self) -> QuerySet[GeneticResult]:
        return GeneticResult.objects.for_user(self.request.user).select_related(
            "person"
        )

    @extend_schema(request=GeneticResultInput, responses={201: GeneticResultOutput})
    def create(self, request: Request) -> Response:
        self.require_entry_rights()
        payload = GeneticResultInput(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        person = self.person_in_scope(data.pop("person"))
        result = services.record_genetic_result(
            acting_user=self.acting_user, person=person, **data
        )
        return Response(
            GeneticResultOutput(result).data, status=status.HTTP_201_CREATED
        )
