"""Import API: `POST /api/v1/imports/` (multipart file + practice code) answers 202
with the batch id; `GET /api/v1/imports/` and `/{id}/` show status, counts, errors.

Scoped like every endpoint: a batch of another practice is a 404, and roles
without access to persons (epidemiologists) find no such endpoint. A lab
system's token may upload into its practice and sees only the batches it sent.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from fh_registry.access import can_import_results, visible_practices
from fh_registry.models import User
from screening.api.views import SeesPersons
from screening.imports.pipeline import start_import
from screening.models import ImportBatch, ImportRowError

BATCH_FIELDS = [
    "id",
    "practice",
    "file_name",
    "sha256",
    "status",
    "message",
    "progress",
    "rows_read",
    "rows_imported",
    "rows_skipped",
    "rows_rejected",
    "created_at",
    "finished_at",
]


class ImportUploadInput(serializers.Serializer):
    file = serializers.FileField()
    practice = serializers.CharField(max_length=20, help_text="Practice code")


class ImportRowErrorOutput(serializers.ModelSerializer):
    reason = serializers.SerializerMethodField()

    class Meta:
        model = ImportRowError
        fields = ["line", "column", "value", "code", "reason", "kind"]

    def get_reason(self, error: ImportRowError) -> str:
        """The reason in the request's language."""
        request = self.context.get("request")
        return error.reason(getattr(request, "LANGUAGE_CODE", "en") or "en")


class ImportBatchOutput(serializers.ModelSerializer):
    practice = serializers.CharField(source="practice.code")

    class Meta:
        model = ImportBatch
        fields = BATCH_FIELDS


class ImportBatchDetailOutput(ImportBatchOutput):
    row_errors = ImportRowErrorOutput(many=True)

    class Meta:
        model = ImportBatch
        fields = [*BATCH_FIELDS, "row_errors"]


class ImportBatchViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Lab-file imports of the user's practices."""

    permission_classes = [IsAuthenticated, SeesPersons]
    parser_classes = [MultiPartParser, FormParser]
    # A lab system's token uploads files and follows its own imports.
    lab_system_actions = frozenset({"create", "list", "retrieve"})

    def get_queryset(self) -> QuerySet[ImportBatch]:
        batches = ImportBatch.objects.for_user(self.request.user).select_related(
            "practice"
        )
        if self.action == "retrieve":
            batches = batches.prefetch_related("row_errors")
        return batches

    def get_serializer_class(self) -> Any:
        if self.action == "retrieve":
            return ImportBatchDetailOutput
        return ImportBatchOutput

    @extend_schema(
        request={"multipart/form-data": ImportUploadInput},
        responses={202: ImportBatchOutput, 200: ImportBatchOutput},
    )
    def create(self, request: Request) -> Response:
        """Upload a lab file; 202 with the new batch, 200 if the file is known."""
        if not can_import_results(request.user):
            raise NotFound
        payload = ImportUploadInput(data=request.data)
        payload.is_valid(raise_exception=True)
        practice = (
            visible_practices(request.user)
            .filter(code=payload.validated_data["practice"])
            .first()
        )
        if practice is None:
            raise NotFound("No such practice.")
        upload = payload.validated_data["file"]
        assert isinstance(request.user, User)  # IsAuthenticated let only users in
        started = start_import(
            acting_user=request.user,
            practice=practice,
            file_name=upload.name,
            chunks=upload.chunks(),
            language=getattr(request, "LANGUAGE_CODE", ""),
        )
        batch = self.get_queryset().filter(pk=started.batch.pk).first()
        if batch is None:  # the same file, imported by a practice not the user's
            raise NotFound("This file was already imported.")
        code = status.HTTP_200_OK if started.duplicate else status.HTTP_202_ACCEPTED
        return Response(ImportBatchOutput(batch).data, status=code)
