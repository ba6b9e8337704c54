"""What the import commands (`import_results`, `fhir_import`) ask alike: the
practice named on the command line, and a user who may import into it."""

from __future__ import annotations

from django.core.management.base import CommandError

from fh_registry.access import can_import_results, visible_practices
from fh_registry.models import Practice, User


def practice_by_code(code: str) -> Practice:
    practice = Practice.objects.filter(code=code).first()
    if practice is None:
        raise CommandError(f"No practice {code!r}.")
    return practice


def importing_user(username: str, practice: Practice) -> User:
    """The user named `username`, who may import results into `practice`."""
    user = User.objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"No user {username!r}.")
    if not (
        can_import_results(user)
        and visible_practices(user).filter(pk=practice.pk).exists()
    ):
        raise CommandError(f"{username} may not import into {practice.code}.")
    return user
