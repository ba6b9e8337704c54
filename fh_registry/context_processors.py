"""Template context every page needs: role, display unit, the main navigation."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from fh_registry.models import Role

# The main navigation by role: (URL name, label).
NAVIGATION: dict[str, tuple[tuple[str, Promise], ...]] = {
    Role.PEDIATRICIAN: (
        ("screening:person-list", _("Children")),
        ("screening:person-register", _("Register a child")),
        ("imports:batch-list", _("Import lab results")),
    ),
    Role.COORDINATOR: (
        ("followup:queue", _("Follow-up queue")),
        ("followup:dashboard", _("Dashboard")),
        ("imports:batch-list", _("Import lab results")),
    ),
    Role.EPIDEMIOLOGIST: (("epidemiology:overview", _("Statistics")),),
}
ADMINISTRATION = ("admin:index", _("Administration"))


def registry(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    role = getattr(user, "role", "")
    is_staff = bool(getattr(user, "is_staff", False))
    return {
        "user_role": role,
        "display_unit": getattr(user, "preferred_unit", "mmol/L"),
        "production": settings.PRODUCTION,
        "navigation": NAVIGATION.get(role, ())
        + ((ADMINISTRATION,) if is_staff else ()),
    }
