"""FHIR endpoints under /api/v1/fhir/: thin views over queries and services.

Every answer is application/fhir+json (NDJSON files: application/fhir+ndjson);
every error an OperationOutcome. Scoping is the persons API's: a person outside
the caller's practices is a 404, and epidemiologists find none of these
endpoints (docs/fhir.md says who may call which).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date
from typing import Any

from django.conf import settings
from django.http import FileResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import BaseParser
from rest_framework.permissions import AllowAny, BasePermission, IsAuthenticated
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from fh_registry.access import can_import_results, is_administrator, visible_practices
from fh_registry.api import exception_handler as registry_exception_handler
from fh_registry.api_schema import RegistryAutoSchema
from fh_registry.models import Practice, Role, User
from fh_registry.parsers import BoundedJSONParser
from interop import bundles, outcomes, queries, receiving, services, tasks
from interop.capability import capability_statement
from interop.outcomes import ERROR, Issue, operation_outcome
from screening.access_log import record_reads
from screening.api.views import SeesPersons
from screening.models import Person, ReadKind

FHIR_JSON = "application/fhir+json"
FHIR_NDJSON = "application/fhir+ndjson"


class FhirJsonRenderer(JSONRenderer):
    media_type = FHIR_JSON
    format = "fhir"
    charset = None


class FhirJsonParser(BoundedJSONParser):
    media_type = FHIR_JSON


class FhirOnly(BaseContentNegotiation):
    """FHIR JSON whatever the client accepts (FHIR servers answer their format)."""

    def select_parser(self, request: Request, parsers: Iterable[BaseParser]) -> Any:
        content_type = request.content_type.split(";")[0].strip()
        return next((p for p in parsers if p.media_type == content_type), None)

    def select_renderer(
        self,
        request: Request,
        renderers: Iterable[BaseRenderer],
        format_suffix: str | None = None,
    ) -> tuple[BaseRenderer, str]:
        first = next(iter(renderers))
        return first, first.media_type


_ISSUE_CODE = {
    400: "invalid",
    401: "login",
    403: "forbidden",
    404: "not-found",
    405: "not-supported",
    406: "not-supported",
    413: "too-costly",
    415: "not-supported",
    429: "throttled",
}


def fhir_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """The registry's errors as an OperationOutcome."""
    response = registry_exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    if isinstance(data, dict) and data.get("resourceType") == "OperationOutcome":
        return response
    detail = data.get("detail") if isinstance(data, dict) else None
    message = str(detail) if detail else _describe(data)
    response.data = operation_outcome(
        [Issue(ERROR, _ISSUE_CODE.get(response.status_code, "processing"), message)]
    )
    return response


def _describe(data: Any) -> str:
    if isinstance(data, dict):
        parts = []
        for field, problems in data.items():
            texts = [
                p.get("message", str(p)) if isinstance(p, dict) else str(p)
                for p in (problems if isinstance(problems, list) else [problems])
            ]
            parts.append(f"{field}: {' '.join(texts)}")
        return "; ".join(parts)
    return str(data)


class FhirSchema(RegistryAutoSchema):
    """Every error of a FHIR endpoint is an OperationOutcome."""

    def error_body(self, code: str) -> dict[str, Any]:
        return self.component("OperationOutcome", outcomes.SCHEMA)


class FhirApi(APIView):
    schema = FhirSchema()
    renderer_classes = [FhirJsonRenderer]
    parser_classes = [FhirJsonParser, BoundedJSONParser]
    content_negotiation_class = FhirOnly
    permission_classes = [IsAuthenticated, SeesPersons]

    def get_exception_handler(self) -> Any:
        return fhir_exception_handler

    @property
    def acting_user(self) -> User:
        user = self.request.user
        assert isinstance(user, User)  # IsAuthenticated let only users in
        return user

    def base_url(self) -> str:
        return self.request.build_absolute_uri(reverse("fhir:bundle"))

    def language(self) -> str:
        return (translation.get_language() or "en")[:2]


class NoSuchFhirEndpointApi(FhirApi):
    """Any other path under fhir/: a 404 as an OperationOutcome, whatever the
    method, as FHIR clients expect of a FHIR endpoint."""

    permission_classes = [AllowAny]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        raise exceptions.NotFound


class CapabilityStatementApi(FhirApi):
    """What the registry's FHIR endpoint supports; open to anyone, as FHIR
    clients read it before they authenticate (it names no person)."""

    permission_classes = [AllowAny]

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request) -> Response:
        return Response(
            capability_statement(base=self.base_url(), today=timezone.localdate())
        )


class PatientEverythingApi(FhirApi):
    """`Patient/{pseudonym}/$everything`: a Bundle with the person's Patient and
    every resource about them; 404 outside the caller's scope."""

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request, pseudonym: str) -> Response:
        person = (
            Person.objects.for_user(request.user).filter(pseudonym=pseudonym).first()
        )
        if person is None:
            raise exceptions.NotFound(_("No such patient."))
        record = queries.read_records([queries.person_row(person)])[0]
        bundle = bundles.everything_bundle(
            record, base=self.base_url(), lang=self.language()
        )
        record_reads(request._request, [person], [ReadKind.API])
        return Response(bundle)


class BundleApi(FhirApi):
    """`POST /api/v1/fhir/`: a transaction or batch Bundle of lab Observations
    (and Patients for new children of the caller's practice), stored through
    the lab-file pipeline. Pediatricians, coordinators and lab systems (their
    token's practice), as for lab files; `?practice=CODE` names the practice
    where the caller has several."""

    # A lab system sends its results as Bundles as well as lab files.
    lab_system_methods = frozenset({"POST"})

    @extend_schema(
        request=OpenApiTypes.OBJECT,
        parameters=[OpenApiParameter("practice", str, description="Practice code")],
        responses={
            200: OpenApiTypes.OBJECT,
            400: OpenApiResponse(
                description="The Bundle is refused (an issue per problem, naming "
                "its entry), or the practice is not named."
            ),
            413: OpenApiResponse(description="Larger than a lab file may be."),
        },
    )
    def post(self, request: Request) -> Response:
        if not can_import_results(request.user):
            raise exceptions.NotFound
        practice = self._practice(request)
        reading = receiving.read_bundle(
            _posted_bundle(request),
            known=queries.known_children(self.acting_user, practice),
        )
        reception = services.receive_bundle(
            acting_user=self.acting_user,
            practice=practice,
            reading=reading,
            lang=self.language(),
        )
        if reception.refused:
            return Response(reception.outcome(), status=status.HTTP_400_BAD_REQUEST)
        return Response(reception.response_bundle())

    def _practice(self, request: Request) -> Practice:
        practices = visible_practices(request.user)
        code = request.query_params.get("practice")
        if code:
            practice = practices.filter(code=code).first()
            if practice is None:
                raise exceptions.NotFound(_("No such practice."))
            return practice
        mine = list(practices[:2])
        if len(mine) != 1:
            raise exceptions.ValidationError(
                {"practice": [_("Name the practice: ?practice=CODE.")]}
            )
        return mine[0]


class BundleTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _("The Bundle is larger than a lab file may be.")
    default_code = "too_large"


def _posted_bundle(request: Request) -> Any:
    """The posted JSON, read from the stream: a lab message may be as large as
    a lab file (IMPORT_MAX_FILE_BYTES), far above Django's limit for request
    bodies held in memory (DATA_UPLOAD_MAX_MEMORY_SIZE), which `request.data`
    would apply."""
    content_type = (request.content_type or "").split(";")[0].strip()
    if content_type not in (FHIR_JSON, "application/json"):
        raise exceptions.UnsupportedMediaType(content_type)
    length = int(request.META.get("CONTENT_LENGTH") or 0)
    if length > settings.IMPORT_MAX_FILE_BYTES:
        raise BundleTooLarge
    stream = request.stream
    raw = stream.read(settings.IMPORT_MAX_FILE_BYTES + 1) if stream else b""
    if len(raw) > settings.IMPORT_MAX_FILE_BYTES:
        raise BundleTooLarge
    try:
        return json.loads(raw)
    except (ValueError, RecursionError) as error:
        raise exceptions.ParseError(_("The body is not JSON.")) from error


def can_bulk_export(user: Any) -> bool:
    """Coordinators and administrators hand cohorts to a data integration
    centre (docs/fhir.md); epidemiologists have the k-anonymous extract."""
    return bool(
        user.is_authenticated
        and (getattr(user, "role", None) == Role.COORDINATOR or is_administrator(user))
    )


class ExportsBulk(BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        if not can_bulk_export(request.user):
            raise exceptions.NotFound
        return True


class BulkExportApi(FhirApi):
    """`POST /api/v1/fhir/$export` (`_since` as in Bulk Data): 202 with the
    status URL in Content-Location; the export runs as a task."""

    permission_classes = [IsAuthenticated, ExportsBulk]

    @extend_schema(
        request=None,
        parameters=[OpenApiParameter("_since", str, description="YYYY-MM-DD")],
        responses={202: None},
    )
    def post(self, request: Request) -> Response:
        since = _since(request.query_params.get("_since"))
        job = tasks.start_bulk_export(acting_user=self.acting_user, since=since)
        response = Response(status=status.HTTP_202_ACCEPTED)
        response["Content-Location"] = request.build_absolute_uri(
            reverse("fhir:export-status", args=[job.id])
        )
        return response


def _since(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise exceptions.ValidationError(
            {"_since": [_("Give _since as a date, YYYY-MM-DD.")]}
        ) from None


def _own_job(request: Request, job_id: str) -> tasks.BulkJob:
    """The caller's own job; another's, or none, is a 404."""
    try:
        job = tasks.load_job(job_id)
    except FileNotFoundError:
        raise exceptions.NotFound from None
    if job.owner_id != request.user.pk:
        raise exceptions.NotFound
    return job


class BulkExportStatusApi(FhirApi):
    """The export's status: 202 with X-Progress while it runs, 200 with the
    Bulk Data manifest when done, 500 with an OperationOutcome if it failed."""

    permission_classes = [IsAuthenticated, ExportsBulk]

    @extend_schema(responses={200: OpenApiTypes.OBJECT, 202: None})
    def get(self, request: Request, job_id: str) -> Response:
        job = _own_job(request, job_id)
        if job.status == tasks.FAILED:
            return Response(
                operation_outcome([Issue(ERROR, "exception", job.message)]),
                status=status.HTTP_500_INTERNAL_SERVER_ERROR,
            )
        if job.status != tasks.DONE:
            response = Response(status=status.HTTP_202_ACCEPTED)
            response["X-Progress"] = f"{job.progress}%"
            return response
        return Response(
            {
                "transactionTime": job.finished_at,
                "request": request.build_absolute_uri(reverse("fhir:export")),
                "requiresAccessToken": True,
                "output": [
                    {
                        "type": kind,
                        "count": count,
                        "url": request.build_absolute_uri(
                            reverse("fhir:export-file", args=[job.id, f"{kind}.ndjson"])
                        ),
                    }
                    for kind, count in job.counts.items()
                    if count
                ],
                "error": [],
            }
        )


class BulkExportFileApi(FhirApi):
    """One NDJSON file of a finished export (the caller's own)."""

    permission_classes = [IsAuthenticated, ExportsBulk]

    @extend_schema(responses={(200, FHIR_NDJSON): OpenApiTypes.BINARY})
    def get(self, request: Request, job_id: str, name: str) -> FileResponse:
        job = _own_job(request, job_id)
        kinds = {f"{kind}.ndjson" for kind in bundles.RESOURCE_TYPES}
        path = tasks.files_folder(job.id) / name
        if job.status != tasks.DONE or name not in kinds or not path.is_file():
            raise exceptions.NotFound
        return FileResponse(path.open("rb"), content_type=FHIR_NDJSON)
