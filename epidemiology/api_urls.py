"""Statistics endpoints under /api/v1/."""

from rest_framework.routers import DefaultRouter

from epidemiology.api import StatisticsViewSet


def register(router: DefaultRouter) -> None:
    router.register("statistics", StatisticsViewSet, basename="statistics")
