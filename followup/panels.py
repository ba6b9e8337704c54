"""The follow-up panel on a person's page (registered in FollowupConfig.ready)."""

from __future__ import annotations

from django.db.models import Q
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from fh_registry.models import Role
from followup.models import CascadeInvitation
from followup.queries import follow_up_summary
from screening.models import Person


def episode_panel(request: HttpRequest, person: Person) -> SafeString | str:
    """The person's care episodes and tasks, read-only; then, for those who may
    open the family page (pediatricians, coordinators), the family and cascade
    part: the way there and the person's invitations. Nothing when there is
    nothing to show. The page has already checked that the user may see the
    person."""
    context = follow_up_summary(person=person, user=request.user)
    context["shows_family"] = getattr(request.user, "role", None) in (
        Role.PEDIATRICIAN,
        Role.COORDINATOR,
    )
    if not (context["episodes"] or context["tasks"] or context["shows_family"]):
        return ""
    if context["shows_family"]:
        context["invitations"] = list(
            CascadeInvitation.objects.for_user(request.user)
            .filter(Q(relative=person) | Q(because=person))
            .select_related("relative", "because")
        )
    return render_to_string("followup/episode_panel.html", context, request=request)
