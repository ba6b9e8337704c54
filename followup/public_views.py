"""The public answer page: a relative (or a parent, for a child) answers an
invitation letter with its code, without an account.

Nothing about the family shows here: a valid code shows the test offered and the
practice to call, never a name, pseudonym or anyone's finding, and an unknown,
expired or used code all read the same. Wrong codes are counted per client
address in Django's cache; past FOLLOWUP_ANSWER_GUESSES_PER_WINDOW the page
answers 429 until the window has passed.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django import forms
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_http_methods

from followup import invitations, letters
from followup.models import CascadeInvitation, ContactChannel
from followup.services import FollowUpError

UNKNOWN_CODE = _("Unknown or expired code.")
ACCEPT, DECLINE = "accept", "decline"


class CodeForm(forms.Form):
    code = forms.CharField(label=_("Code from your letter"), max_length=20)


class AnswerForm(forms.Form):
    """Step 2; the code comes along hidden and is checked again."""

    code = forms.CharField(widget=forms.HiddenInput, max_length=20)
    decision = forms.ChoiceField(
        label=_("Your answer"),
        choices=[
            (ACCEPT, _("Yes, I would like to take part.")),
            (DECLINE, _("No, I do not want to take part.")),
        ],
        widget=forms.RadioSelect,
    )
    consent = forms.BooleanField(
        required=False,
        label=_(
            "I agree that the practice records the test and its results in the "
            "FH screening registry (needed to take part; it can be withdrawn at "
            "any time)."
        ),
    )
    channel = forms.ChoiceField(
        label=_("How should the practice contact you?"),
        choices=[
            ("phone", _("phone")),
            ("email", _("e-mail")),
            ("letter", _("letter")),
        ],
        required=False,
        widget=forms.RadioSelect,
        help_text=_("Needed if you take part."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == ACCEPT:
            if not data.get("consent"):
                self.add_error("consent", _("Please give your consent to take part."))
            if not data.get("channel"):
                self.add_error("channel", _("Please choose how to be contacted."))
        return data


@never_cache
@csrf_protect
@require_http_methods(["GET", "POST"])
def answer(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return render(request, "followup/answer.html", {"form": CodeForm()})
    guesser = _guesser(request)
    if _guesses_spent(guesser):
        return render(request, "followup/answer_limited.html", status=429)
    code = request.POST.get("code", "")
    invitation = invitations.invitation_for_code(code) if code.strip() else None
    if invitation is None:
        return _unknown_code(request, guesser, counted=bool(code.strip()))
    if "decision" not in request.POST:  # step 1 done: show the offer
        return _offer(request, AnswerForm(initial={"code": code}), invitation)
    return _answered(request, guesser, invitation)


def _answered(
    request: HttpRequest, guesser: str, invitation: CascadeInvitation
) -> HttpResponse:
    """Step 2: the answer, recorded by the service."""
    form = AnswerForm(request.POST)
    if not form.is_valid():
        return _offer(request, form, invitation)
    data = form.cleaned_data
    try:
        answered = invitations.answer_invitation(
            code=data["code"],
            accept=data["decision"] == ACCEPT,
            consent=data["consent"],
            channel=data["channel"],
        )
    except FollowUpError as refusal:
        if refusal.code == "unknown_code":  # used meanwhile, in another window
            return _unknown_code(request, guesser, counted=False)
        form.add_error(None, refusal.message)
        return _offer(request, form, invitation)
    return render(
        request,
        "followup/answer_done.html",
        {
            "accepted": data["decision"] == ACCEPT,
            "practice_name": invitation.relative.practice.name,
            "channel": dict(ContactChannel.choices).get(answered.preferred_channel),
        },
    )


def _offer(
    request: HttpRequest, form: AnswerForm, invitation: CascadeInvitation
) -> HttpResponse:
    """Step 2: the test offered and whom to call; nothing of the family."""
    practice = invitation.relative.practice
    return render(
        request,
        "followup/answer_offer.html",
        {
            "form": form,
            "offered_test": letters.offered_test(invitation.test),
            "practice_name": practice.name,
            "practice_phone": practice.phone,
        },
    )


def _unknown_code(request: HttpRequest, guesser: str, *, counted: bool) -> HttpResponse:
    if counted:
        _count_wrong_guess(guesser)
    form = CodeForm(request.POST)
    form.is_valid()
    if form.is_bound and not form.errors:
        form.add_error(None, UNKNOWN_CODE)
    return render(request, "followup/answer.html", {"form": form})


# --- Guesses per client address ---------------------------------------------------


def _guesser(request: HttpRequest) -> str:
    """The cache key of the client's wrong guesses; the address is hashed, as
    the cache needs no readable addresses."""
    address = request.META.get("REMOTE_ADDR", "")
    digest = hashlib.sha256(address.encode()).hexdigest()
    return f"followup:answer-guesses:{digest}"


def _guesses_spent(guesser: str) -> bool:
    wrong: int = cache.get(guesser, 0)
    return wrong >= settings.FOLLOWUP_ANSWER_GUESSES_PER_WINDOW


def _count_wrong_guess(guesser: str) -> None:
    """One more wrong guess; the window runs from the first one."""
    window = settings.FOLLOWUP_ANSWER_GUESS_WINDOW_SECONDS
    if cache.add(guesser, 1, timeout=window):
        return
    try:
        cache.incr(guesser)
    except ValueError:  # the window closed in between
        cache.add(guesser, 1, timeout=window)
