"""Statistics frames built from the database; never a person, only counts."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Count, OuterRef, Subquery

from epidemiology.disclosure import SuppressedTable, suppress_counts
from screening.models import Assessment, Outcome


def latest_outcome_counts(*, ruleset_id: str) -> SuppressedTable:
    """Children by their latest outcome under one rule set, small cells suppressed."""
    latest = (
        Assessment.objects.filter(person=OuterRef("person"), ruleset_id=ruleset_id)
        .newest_sample_first()
        .values("pk")[:1]
    )
    rows = (
        Assessment.objects.filter(ruleset_id=ruleset_id, pk=Subquery(latest))
        .values("outcome")
        .annotate(children=Count("person", distinct=True))
    )
    counts = dict.fromkeys(Outcome.values, 0)
    for row in rows:
        counts[row["outcome"]] = row["children"]
    return suppress_counts(counts, minimum=settings.SMALL_CELL_MINIMUM)
