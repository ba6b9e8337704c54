"""Start pages per role, the display-unit preference, the health check and the
answer for a path that names nothing."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import defaults
from django.views.decorators.http import require_POST
from rest_framework.exceptions import NotFound

from fh_registry.access import is_administrator
from fh_registry.models import DisplayUnit, Role
from fh_registry.requests import AuthenticatedRequest


@login_required
def home(request: AuthenticatedRequest) -> HttpResponse:
    """Send each role to where its work starts."""
    user = request.user
    if user.role == Role.PEDIATRICIAN:
        return redirect("screening:person-list")
    if user.role == Role.COORDINATOR:
        return redirect("followup:queue")
    if user.role == Role.EPIDEMIOLOGIST:
        return redirect("epidemiology:overview")
    if is_administrator(user):
        return render(request, "fh_registry/admin_home.html")
    return render(request, "fh_registry/no_role.html", status=403)


@login_required
@require_POST
def set_display_unit(request: AuthenticatedRequest) -> HttpResponse:
    unit = request.POST.get("unit", "")
    if unit in DisplayUnit.values:
        request.user.preferred_unit = unit
        request.user.save(update_fields=["preferred_unit"])
    target = request.POST.get("next") or reverse("home")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("home")
    return redirect(target)


def health(request: HttpRequest) -> JsonResponse:
    """Liveness for the load balancer: the database answers (503 if it does not)."""
    try:
        connection.ensure_connection()
        usable = connection.is_usable()
    except DatabaseError:
        usable = False
    if not usable:
        return JsonResponse({"status": "unavailable"}, status=503)
    return JsonResponse({"status": "ok", "database": connection.vendor})


def locked_out(request: HttpRequest, response: Any, credentials: Any) -> HttpResponse:
    """django-axes' answer to a username + address past the failure limit."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(
        request,
        "registration/locked_out.html",
        {"cooloff_minutes": minutes},
        status=429,
    )


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """The registry's 404 page; under /api/ the API's own answer, JSON as any
    other API error, for a client that sends an identifier no route takes."""
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": str(NotFound.default_detail)}, status=404)
    return defaults.page_not_found(request, exception)
