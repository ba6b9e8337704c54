"""Follow-up endpoints under /api/v1/."""

from rest_framework.routers import DefaultRouter

from followup.api import families, views


def register(router: DefaultRouter) -> None:
    router.register("tasks", views.TaskViewSet, basename="task")
    router.register("care-episodes", views.CareEpisodeViewSet, basename="care-episode")
    router.register(
        "contact-attempts", views.ContactAttemptViewSet, basename="contact-attempt"
    )
    router.register("families", families.FamilyViewSet, basename="family")
