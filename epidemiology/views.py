"""Epidemiologist pages: statistics only."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from epidemiology.queries import latest_outcome_counts
from fh_registry.access import can_see_statistics
from screening.models import Outcome


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    if not can_see_statistics(request.user):
        raise Http404
    ruleset_id = settings.ACTIVE_PAEDIATRIC_RULESET
    table = latest_outcome_counts(ruleset_id=ruleset_id)
    return render(
        request,
        "epidemiology/overview.html",
        {
            "ruleset_id": ruleset_id,
            "table": table,
            "rows": [
                (outcome, Outcome(outcome).label, count)
                for outcome, count in table.cells.items()
            ],
            "minimum": settings.SMALL_CELL_MINIMUM,
        },
    )
