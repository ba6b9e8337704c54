"""Coordinator pages."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render

from fh_registry.models import Role
from fh_registry.requests import AuthenticatedRequest
from followup.queries import awaiting_follow_up


@login_required
def queue(request: AuthenticatedRequest) -> HttpResponse:
    if request.user.role != Role.COORDINATOR:
        raise Http404
    assessments = list(awaiting_follow_up(user=request.user))
    assessments.sort(key=lambda a: not a.is_urgent)  # urgent first, stable otherwise
    return render(request, "followup/queue.html", {"assessments": assessments})
