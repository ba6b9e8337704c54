"""Template context every page needs: the user's role and display unit."""

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def registry(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    return {
        "user_role": getattr(user, "role", ""),
        "display_unit": getattr(user, "preferred_unit", "mmol/L"),
        "production": settings.PRODUCTION,
    }
