"""Statistics API: the standard tables as JSON, to statistics readers only.

GET /api/v1/statistics/ lists the tables; GET /api/v1/statistics/<name>/ gives
one, small cells hidden (null), with `?minimum=N` to raise the minimum and
`?round5=1` to round shown counts. Every table sent leaves an ExportRecord whose
SHA-256 is that of the response body.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import connection
from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse

from epidemiology.catalogue import CATALOGUE, NAMES
from epidemiology.exports import record_export
from epidemiology.models import ExportChannel
from fh_registry.access import can_see_statistics
from fh_registry.models import User


class ReadsStatistics(BasePermission):
    """Others find no such endpoint (404, as for a missing record)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if not can_see_statistics(request.user):
            raise NotFound
        return True


class TableQueryInput(serializers.Serializer):
    minimum = serializers.IntegerField(required=False)
    round5 = serializers.BooleanField(required=False, default=False)

    def validate_minimum(self, value: int) -> int:
        floor = settings.SMALL_CELL_MINIMUM
        if value < floor:
            raise serializers.ValidationError(
                f"The minimum may only be raised above the registry's ({floor}).",
                code="below_registry_minimum",
            )
        return value


class StatisticsViewSet(viewsets.ViewSet):
    permission_classes = [IsAuthenticated, ReadsStatistics]
    lookup_field = "name"
    lookup_value_regex = "[a-z0-9_]+"
    pagination_class = None

    @extend_schema(
        operation_id="statistics_tables_list",
        responses={200: OpenApiTypes.OBJECT},
        description="The standard tables, each with its URL.",
    )
    def list(self, request: Request) -> Response:
        return Response(
            {
                "minimum": settings.SMALL_CELL_MINIMUM,
                "tables": [
                    {
                        "name": table.name,
                        "title": table.title,
                        "url": reverse(
                            "statistics-detail", args=[table.name], request=request
                        ),
                    }
                    for table in CATALOGUE
                ],
            }
        )

    @extend_schema(
        operation_id="statistics_table_retrieve",
        parameters=[
            OpenApiParameter(
                "name",
                str,
                OpenApiParameter.PATH,
                enum=[*NAMES],
            ),
            OpenApiParameter("minimum", int, description="Raise the cell minimum."),
            OpenApiParameter("round5", bool, description="Round counts to 5."),
        ],
        responses={200: OpenApiTypes.OBJECT},
        description="One standard table, small cells suppressed (JSON).",
    )
    def retrieve(self, request: Request, name: str) -> HttpResponse:
        if name not in NAMES:
            raise NotFound
        query = TableQueryInput(data=request.query_params)
        query.is_valid(raise_exception=True)
        minimum = query.validated_data.get("minimum", settings.SMALL_CELL_MINIMUM)
        round5 = query.validated_data["round5"]
        # The statistics stack (pandas, pyarrow: about 100 MB) is loaded by the
        # first table served, not by every process that loads the URLconf.
        from epidemiology import tables  # noqa: PLC0415
        from epidemiology.frames import FrameCache  # noqa: PLC0415

        table = tables.TABLES_BY_NAME[name]
        frame = tables.build(
            table,
            FrameCache(using=connection),
            tables.Options(minimum=minimum, today=timezone.localdate(), round5=round5),
        )
        payload = tables.payload(table, frame) | {"minimum": minimum, "round5": round5}
        body = JSONRenderer().render(payload)
        user = request.user
        assert isinstance(user, User)
        record_export(
            user=user,
            actor=user.get_username(),
            channel=ExportChannel.API,
            name=table.name,
            file_format="json",
            content=body,
            minimum=minimum,
            rows=len(frame),
            rows_suppressed=tables.hidden_cells(frame),
            parameters={"table": table.name, "round5": round5},
        )
        return HttpResponse(body, content_type="application/json")
