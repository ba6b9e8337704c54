"""A second factor (TOTP, django-otp) for every role that sees persons.

With MFA_REQUIRED (on in production), a pediatrician, coordinator or
administrator signed in by password reaches no page until the session is
verified with a code from an authenticator app, or with one of the ten
single-use recovery codes issued at enrolment. Epidemiologists see no person
and are not asked. Token-authenticated API calls (lab systems) are not
sessions and pass; a session-authenticated API call without the second factor
is refused with 403.
"""

from __future__ import annotations

import io
from collections.abc import Callable

import django_otp
import segno
from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from fh_registry.models import Role
from fh_registry.requests import AuthenticatedRequest

RECOVERY_CODES = 10
_EXEMPT_PREFIXES = (
    "/accounts/login/",
    "/accounts/logout/",
    "/accounts/mfa/",
    "/static/",
    "/i18n/",
    "/healthz",
    "/answer/",
)
_ROLES_SEEING_PERSONS = (Role.PEDIATRICIAN, Role.COORDINATOR, Role.ADMINISTRATOR)


def needs_second_factor(user: object) -> bool:
    return bool(
        settings.MFA_REQUIRED
        and getattr(user, "is_authenticated", False)
        and (
            getattr(user, "role", None) in _ROLES_SEEING_PERSONS
            or getattr(user, "is_superuser", False)
        )
        and not user.is_verified()  # type: ignore[attr-defined]  # OTPMiddleware
    )


class RequireSecondFactorMiddleware:
    """After django_otp's OTPMiddleware: unverified sessions go to the code page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(_EXEMPT_PREFIXES) or not needs_second_factor(
            getattr(request, "user", None)
        ):
            return self.get_response(request)
        if request.path.startswith("/api/"):
            return JsonResponse(
                {"detail": "The session needs its second factor (/accounts/mfa/)."},
                status=403,
            )
        target = reverse("mfa-verify")
        if not django_otp.user_has_device(request.user):
            target = reverse("mfa-enrol")
        return redirect(f"{target}?next={request.get_full_path()}")


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=16,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}
        ),
    )


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("home")


@never_cache
@login_required
def verify(request: AuthenticatedRequest) -> HttpResponse:
    """Enter a code from the app (or a recovery code) for this session."""
    if not django_otp.user_has_device(request.user):
        return redirect("mfa-enrol")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = django_otp.match_token(request.user, form.cleaned_data["code"].strip())
        if device is not None:
            django_otp.login(request, device)
            return redirect(_next(request))
        form.add_error("code", _("This code is not valid. Try the current one."))
    return render(
        request, "registration/mfa_verify.html", {"form": form, "next": _next(request)}
    )


@never_cache
@login_required
def enrol(request: AuthenticatedRequest) -> HttpResponse:
    """Set up the authenticator app; on the first valid code, issue the
    recovery codes (shown once)."""
    if django_otp.user_has_device(request.user):
        return redirect("mfa-verify")
    device, _created = TOTPDevice.objects.get_or_create(
        user=request.user, confirmed=False, defaults={"name": "authenticator app"}
    )
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"].strip()):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            recovery = StaticDevice.objects.create(
                user=request.user, name="recovery codes", confirmed=True
            )
            codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
            StaticToken.objects.bulk_create(
                StaticToken(device=recovery, token=code) for code in codes
            )
            django_otp.login(request, device)
            return render(
                request,
                "registration/mfa_recovery_codes.html",
                {"codes": codes, "next": _next(request)},
            )
        form.add_error("code", _("This code is not valid. Try the current one."))
    qr = io.BytesIO()
    segno.make(device.config_url, error="m").save(
        qr, kind="svg", xmldecl=False, nl=False, scale=4
    )
    return render(
        request,
        "registration/mfa_enrol.html",
        {
            "form": form,
            "secret": _grouped(device.config_url),
            # segno's SVG: markup without script or style attributes.
            "qr": mark_safe(qr.getvalue().decode()),  # noqa: S308
            "next": _next(request),
        },
    )


def _grouped(config_url: str) -> str:
    """The base32 secret from the otpauth URL, in groups of four to type in."""
    secret = config_url.split("secret=", 1)[1].split("&", 1)[0]
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
