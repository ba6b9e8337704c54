"""Statistics pages (included under /statistics/)."""

from django.urls import path

from epidemiology import views

app_name = "epidemiology"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("exports/table/", views.export_table, name="export-table"),
    path("exports/report/", views.export_report, name="export-report"),
    path("exports/<slug:job_id>/", views.export_detail, name="export-detail"),
    path("exports/<slug:job_id>/status/", views.export_status, name="export-status"),
    path(
        "exports/<slug:job_id>/download/",
        views.export_download,
        name="export-download",
    ),
]
