"""Screening endpoints under /api/v1/."""

from rest_framework.routers import DefaultRouter

from screening.api import views
from screening.imports.api import ImportBatchViewSet


def register(router: DefaultRouter) -> None:
    router.register("persons", views.PersonViewSet, basename="person")
    router.register("lab-results", views.LabResultViewSet, basename="lab-result")
    router.register("assessments", views.AssessmentViewSet, basename="assessment")
    router.register(
        "genetic-results", views.GeneticResultViewSet, basename="genetic-result"
    )
    router.register("imports", ImportBatchViewSet, basename="import-batch")
