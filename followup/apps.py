"""Follow-up: what happens after a positive screen."""

from typing import Any

from django.apps import AppConfig


class FollowupConfig(AppConfig):
    name = "followup"
    verbose_name = "Follow-up"

    def ready(self) -> None:
        # The one cross-app reaction (ARCHITECTURE): new assessments may open a
        # care episode; and the child's page shows the episode (a panel).
        from followup import panels, tasks  # noqa: F401, PLC0415
        from screening import pages  # noqa: PLC0415
        from screening.signals import assessment_recorded  # noqa: PLC0415

        assessment_recorded.connect(
            _open_for_assessments, dispatch_uid="followup-open-episodes"
        )
        pages.person_panels.register("followup", panels.episode_panel)


def _open_for_assessments(sender: Any, **event: Any) -> None:
    from followup.services import open_for_assessments  # noqa: PLC0415

    open_for_assessments(event["assessments"], acting_user=event["acting_user"])
