"""The follow-up panel on a person's page (registered in FollowupConfig.ready)."""

from __future__ import annotations

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from followup.queries import person_follow_up
from screening.models import Person


def episode_panel(request: HttpRequest, person: Person) -> SafeString | str:
    """The person's care episodes and tasks, read-only; nothing when there are
    none. The page has already checked that the user may see the person."""
    context = person_follow_up(person=person, user=request.user)
    if not context["episodes"] and not context["tasks"]:
        return ""
    return render_to_string("followup/episode_panel.html", context, request=request)
