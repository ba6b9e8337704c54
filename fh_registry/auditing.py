"""Every write of clinical data goes through `audited_save`: validated, saved, and
recorded by django-simple-history with the acting user."""

from __future__ import annotations

from django.db.models import Model

from fh_registry.models import User


def audited_save(obj: Model, *, acting_user: User | None) -> None:
    """Validate and save `obj`; simple-history's row names `acting_user` (None:
    a scheduled job of the registry itself).

    Field validation is Django's; related rows and the unique and check
    constraints are left to the database (a foreign key's check and a
    constraint's check would each cost a query, for rows the service holds or
    has just checked itself with a clear message; a lost race ends in an
    IntegrityError that the service turns into the same message).
    """
    obj._history_user = acting_user  # type: ignore[attr-defined]  # who, for the audit
    related = [f.name for f in obj._meta.concrete_fields if f.is_relation]
    obj.full_clean(exclude=related, validate_constraints=False)
    obj.save()
