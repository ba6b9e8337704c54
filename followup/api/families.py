"""`/api/v1/families/{pseudonym}/`: the pedigree around a person, pseudonyms
only. Scoped as the other follow-up reads: what `for_user` gives (an
out-of-scope person is a 404, as for no person); epidemiologists find no such
endpoint (404)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from followup import cascade, family
from followup.models import CascadeTest, InvitationState, Relation
from screening.api.views import SeesPersons
from screening.models import Person, Sex


def _enum(choices: list[tuple[str, Any]], component: str) -> type:
    """A choice field whose schema is the enum component `component` (stable
    names, no collision with other fields called `status` or `state`)."""

    @extend_schema_field(
        serializers.ChoiceField(choices=choices), component_name=component
    )
    class Field(serializers.ChoiceField):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(choices=choices, **kwargs)

    return Field


StatusField = _enum(
    [(s, s) for s in (cascade.AFFECTED, cascade.UNAFFECTED, cascade.UNKNOWN)],
    "CascadeStatusEnum",
)
StateField = _enum(InvitationState.choices, "InvitationStateEnum")
TestField = _enum(CascadeTest.choices, "CascadeTestEnum")
RelationField = _enum(Relation.choices, "RelationEnum")


class FamilyInvitationOutput(serializers.Serializer):
    state = StateField()
    test = TestField()
    variant = serializers.CharField(help_text="HGVS of the family's variant, or ''.")
    relation = RelationField(help_text="Of this member to `because`.")
    because = serializers.CharField(
        source="because.pseudonym", help_text="The affected member invited for."
    )


class FamilyMemberOutput(serializers.Serializer):
    pseudonym = serializers.CharField()
    sex = serializers.ChoiceField(choices=Sex.choices)
    birth_year = serializers.IntegerField()
    mother = serializers.CharField(allow_null=True)
    father = serializers.CharField(allow_null=True)
    deceased = serializers.BooleanField()
    status = StatusField(
        help_text="By the cascade's rule 1; an obligate carrier counts as affected."
    )
    obligate_carrier = serializers.BooleanField(
        help_text="Affected only as an obligate carrier (untested, rule 2)."
    )
    invitation = FamilyInvitationOutput(allow_null=True)


class FamilyOutput(serializers.Serializer):
    index = serializers.CharField(
        help_text="The index person: the person asked for when they are an index "
        "case (affected, not invited) or the family has none; else the family's "
        "first index case."
    )
    members = FamilyMemberOutput(many=True)


class FamilyViewSet(viewsets.ViewSet):
    """The pedigree around a person: members the caller may see, oldest first."""

    permission_classes = [IsAuthenticated, SeesPersons]
    lookup_field = "pseudonym"

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "pseudonym",
                str,
                OpenApiParameter.PATH,
                description="Any member of the family.",
            )
        ],
        responses={
            200: FamilyOutput,
            404: OpenApiResponse(
                description="No such person in the caller's scope, as for a "
                "person that does not exist."
            ),
        },
    )
    def retrieve(self, request: Request, pseudonym: str | None = None) -> Response:
        person = (
            Person.objects.for_user(request.user).filter(pseudonym=pseudonym).first()
        )
        if person is None:
            raise NotFound
        found = family.family_around(person, user=request.user)
        data: dict[str, Any] = {
            "index": found.index.pseudonym,
            "members": found.members,
        }
        return Response(FamilyOutput(data).data)
