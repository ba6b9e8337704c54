"""FHIR endpoints under /api/v1/fhir/ (namespace "fhir").

The operations' `$` is escaped in regular expressions: the API schema names a
path by its pattern, and reads a bare `$` in a route as the end of one."""

from django.urls import path, re_path

from interop import api

app_name = "fhir"

urlpatterns = [
    path("", api.BundleApi.as_view(), name="bundle"),
    path("metadata", api.CapabilityStatementApi.as_view(), name="metadata"),
    re_path(
        r"^Patient/(?P<pseudonym>[^/]+)/\$everything\Z",
        api.PatientEverythingApi.as_view(),
        name="patient-everything",
    ),
    re_path(r"^\$export\Z", api.BulkExportApi.as_view(), name="export"),
    re_path(
        r"^\$export-status/(?P<job_id>[^/]+)\Z",
        api.BulkExportStatusApi.as_view(),
        name="export-status",
    ),
    re_path(
        r"^\$export-files/(?P<job_id>[^/]+)/(?P<name>[^/]+)\Z",
        api.BulkExportFileApi.as_view(),
        name="export-file",
    ),
    # Last: any other path (no end anchor) is answered as FHIR answers a 404.
    # Unnamed: nothing links here, and it scopes nothing.
    re_path(r"^", api.NoSuchFhirEndpointApi.as_view()),
]
