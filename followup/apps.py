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
        from screening.signals import (  # noqa: PLC0415
            assessment_recorded,
            family_changed,
        )

        assessment_recorded.connect(
            _assessments_recorded, dispatch_uid="followup-assessments"
        )
        family_changed.connect(_family_changed, dispatch_uid="followup-family")
        pages.person_panels.register("followup", panels.episode_panel)


def _assessments_recorded(sender: Any, **event: Any) -> None:
    """Open care episodes, then run the cascade for the families concerned."""
    from followup import invitations, services  # noqa: PLC0415

    services.open_for_assessments(
        event["assessments"], acting_user=event["acting_user"]
    )
    invitations.replan(
        invitations.affected_in(event["assessments"]), acting_user=event["acting_user"]
    )


def _family_changed(sender: Any, **event: Any) -> None:
    from followup import invitations, services  # noqa: PLC0415

    services.stop_for_withdrawn(event["persons"], acting_user=event["acting_user"])
    invitations.replan(
        [person.pk for person in event["persons"]], acting_user=event["acting_user"]
    )
