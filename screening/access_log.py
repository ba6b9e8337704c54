"""The read-access log: every read of a person's data (page, identity,
results, API) appends who, what, when and from where (ReadAccess)."""

from __future__ import annotations

from collections.abc import Iterable

from django.http import HttpRequest

from screening.models import Person, ReadAccess


def record_reads(
    request: HttpRequest, persons: Iterable[Person | int], kinds: Iterable[str]
) -> None:
    """One entry per person and kind of data shown by this request."""
    user = request.user
    if not user.is_authenticated:
        return
    address = request.META.get("REMOTE_ADDR") or None
    path = request.get_full_path()[:300]
    entries = [
        ReadAccess(
            person_id=person if isinstance(person, int) else person.pk,
            user_id=user.pk,
            kind=kind,
            path=path,
            address=address,
        )
        for person in persons
        for kind in kinds
    ]
    ReadAccess.objects.bulk_create(entries, batch_size=500)
