"""Letters as PDF downloads: a child's family letter, one relative's invitation
letter, and the coordinators' batch of all pending invitation letters.

Letters carry names and addresses, so only those who read identities get them:
the pediatricians of the person's practice and the coordinators in scope;
anyone else (an administrator too) finds nothing, as for a record out of scope.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from fh_registry.models import Role
from fh_registry.requests import AuthenticatedRequest
from followup import letters
from followup.models import CascadeInvitation, InvitationState
from followup.services import FollowUpError
from screening.models import Person

_WRITERS = (Role.PEDIATRICIAN, Role.COORDINATOR)


def _require_role(request: AuthenticatedRequest, *roles: str) -> None:
    if request.user.role not in roles:
        raise Http404


def _language(request: AuthenticatedRequest) -> str | None:
    """The letter's language: ?lang=de|en, else the registry's default (the
    family's language is not the reader's)."""
    wanted = request.POST.get("lang") or request.GET.get("lang", "")
    return wanted if wanted in dict(settings.LANGUAGES) else None


def _pdf_download(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@never_cache  # adds no-store among others: a letter is never kept by a cache
@login_required
@require_GET
def family_letter(request: AuthenticatedRequest, pseudonym: str) -> HttpResponse:
    _require_role(request, *_WRITERS)
    person = get_object_or_404(
        Person.objects.for_user(request.user), pseudonym=pseudonym
    )
    try:
        content = letters.family_letter(person, lang=_language(request))
    except FollowUpError as refusal:
        messages.error(request, refusal.message)
        return redirect("screening:person-detail", pseudonym=person.pseudonym)
    return _pdf_download(content, f"family-letter-{person.pseudonym}.pdf")


@never_cache
@login_required
@require_POST
def invitation_letter(
    request: AuthenticatedRequest, invitation_id: int
) -> HttpResponse:
    """The relative's letter, with a new answer code (the earlier one stops
    working): print it and send it. A POST: it issues the code and moves the
    invitation on, which no link prefetch or reload may do."""
    _require_role(request, *_WRITERS)
    invitation = get_object_or_404(
        CascadeInvitation.objects.for_user(request.user), pk=invitation_id
    )
    try:
        content = letters.invitation_letters(
            [invitation], lang=_language(request), acting_user=request.user
        )
    except FollowUpError as refusal:
        messages.error(request, refusal.message)
        return redirect(
            "screening:person-detail", pseudonym=invitation.relative.pseudonym
        )
    return _pdf_download(content, f"invitation-{invitation.pk}.pdf")


@never_cache
@login_required
@require_POST
def pending_letters(request: AuthenticatedRequest) -> HttpResponse:
    """Every proposed invitation in the coordinator's scope, one letter each,
    by practice; printing them makes them invited and completes their tasks."""
    _require_role(request, Role.COORDINATOR)
    pending = list(
        CascadeInvitation.objects.for_user(request.user)
        .filter(state=InvitationState.PROPOSED)
        .order_by("relative__practice__code", "created_at", "pk")
    )
    if not pending:
        messages.info(request, _("No invitation letters are pending."))
        return redirect("followup:queue")
    try:
        content = letters.invitation_letters(
            pending, lang=_language(request), acting_user=request.user
        )
    except FollowUpError as refusal:  # one was answered meanwhile: try again
        messages.error(request, refusal.message)
        return redirect("followup:queue")
    day = timezone.localdate().isoformat()
    return _pdf_download(content, f"cascade-letters-{day}.pdf")
