"""Multi-model reads for the coordinators' work queue."""

from __future__ import annotations

from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery

from screening.models import Assessment, Outcome

NEEDS_FOLLOW_UP = (
    Outcome.DEFINITE,
    Outcome.POSITIVE,
    Outcome.REPEAT_NEEDED,
    Outcome.NEEDS_DIRECT_LDL,
)


def awaiting_follow_up(*, user: Any, limit: int = 200) -> QuerySet[Assessment]:
    """Each in-scope child's latest assessment, where it calls for follow-up.

    Urgent (HoFH suspected) first is done by the page; here newest first.
    """
    latest = (
        Assessment.objects.filter(person=OuterRef("person"))
        .newest_sample_first()
        .values("pk")[:1]
    )
    return (
        Assessment.objects.for_user(user)
        .filter(pk=Subquery(latest), outcome__in=NEEDS_FOLLOW_UP)
        .select_related("person", "person__practice", "lab_result")
        .order_by("-created_at", "-pk")[:limit]
    )
