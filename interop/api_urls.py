"""FHIR endpoints under /api/v1/fhir/ (namespace "fhir")."""

from django.urls import path

from interop import api

app_name = "fhir"

urlpatterns = [
    path("", api.BundleApi.as_view(), name="bundle"),
    path("metadata", api.CapabilityStatementApi.as_view(), name="metadata"),
    path(
        "Patient/<str:pseudonym>/$everything",
        api.PatientEverythingApi.as_view(),
        name="patient-everything",
    ),
    path("$export", api.BulkExportApi.as_view(), name="export"),
    path(
        "$export-status/<str:job_id>",
        api.BulkExportStatusApi.as_view(),
        name="export-status",
    ),
    path(
        "$export-files/<str:job_id>/<str:name>",
        api.BulkExportFileApi.as_view(),
        name="export-file",
    ),
]
