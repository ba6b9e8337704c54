"""Upload pages of the lab-file import (include under /screening/imports/)."""

from django.urls import path

from screening.imports import views

app_name = "imports"
urlpatterns = [
    path("", views.batch_list, name="batch-list"),
    path("<int:pk>/", views.batch_detail, name="batch-detail"),
    path("<int:pk>/status/", views.batch_status, name="batch-status"),
    path("<int:pk>/report.csv", views.batch_report, name="batch-report"),
]
