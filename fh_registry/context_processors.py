"""Template context every page needs: role, display unit, the layout's links."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.functional import Promise
from django.utils.translation import get_language
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
        ("imports:batch-list", _("Import lab results")),
    ),
    Role.EPIDEMIOLOGIST: (("epidemiology:overview", _("Statistics")),),
}
ADMINISTRATION = ("admin:index", _("Administration"))


@dataclass(frozen=True, slots=True)
class Layout:
    """The base layout's links, reversed and translated."""

    home: str
    set_language: str
    set_display_unit: str
    logout: str
    navigation: tuple[tuple[str, str], ...]


# A handful of entries (roles x staff x languages x script prefixes). Every page
# prints these links; reversing and translating them per request was about a
# fifth of a page's template time. Bounded: a server may take the script
# prefix from a request header.
_layouts: dict[tuple[Any, ...], Layout] = {}
_MAX_LAYOUTS = 256


def _layout(role: str, is_staff: bool) -> Layout:
    key = (role, is_staff, get_language(), get_script_prefix(), get_urlconf())
    layout = _layouts.get(key)
    if layout is None:
        links = NAVIGATION.get(role, ()) + ((ADMINISTRATION,) if is_staff else ())
        layout = Layout(
            home=reverse("home"),
            set_language=reverse("set_language"),
            set_display_unit=reverse("set-display-unit"),
            logout=reverse("logout"),
            navigation=tuple((reverse(name), str(label)) for name, label in links),
        )
        if len(_layouts) >= _MAX_LAYOUTS:
            _layouts.clear()
        _layouts[key] = layout
    return layout


def registry(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    role = getattr(user, "role", "")
    return {
        "user_role": role,
        "display_unit": getattr(user, "preferred_unit", "mmol/L"),
        "production": settings.PRODUCTION,
        "layout": _layout(role, bool(getattr(user, "is_staff", False))),
    }
