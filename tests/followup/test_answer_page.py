"""The public answer page: a relative answers the invitation letter with its code,
without an account. A code works once and until it expires; a wrong, expired or
used code reads the same; guesses are limited per address; the page tells
nothing about the family; the answer moves the invitation and the queue."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from followup import invitations, letters
from followup.models import CareEpisode, CascadeInvitation, Task
from screening.models import Consent, Person
from tests.followup.letter_family import (
    PHONE,
    Family,
    huber_family,
    pdf_text,
    printed_codes,
    with_letterhead,
)

pytestmark = pytest.mark.django_db

UNKNOWN = "Unknown or expired code."


@pytest.fixture(autouse=True)
def _setup(settings: Any) -> None:
    settings.ACTIVE_PAEDIATRIC_RULESET = "eas2026"
    cache.clear()  # the guess counter lives in the cache


@pytest.fixture
def family(ped_a: Any, child_a: Any) -> Family:
    with_letterhead()
    return huber_family(ped_a, child_a)


@pytest.fixture
def code(family: Family, coord: Any) -> str:
    """The code in the mother's letter, as printed (ABCDE-FGHJK)."""
    invitation = family.invitation_of(family.mother)
    (printed,) = printed_codes(
        pdf_text(letters.invitation_letters([invitation], acting_user=coord))
    )
    return printed


def visitor(address: str = "203.0.113.5") -> Client:
    return Client(
        HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR=address, enforce_csrf_checks=True
    )


def post(client: Client, data: dict[str, str]) -> Any:
    """Submit the form as a browser does: with the CSRF token of the page."""
    client.get("/answer/")
    return client.post(
        "/answer/", {**data, "csrfmiddlewaretoken": client.cookies["csrftoken"].value}
    )


def error_of(response: Any) -> list[str]:
    return re.findall(r'role="alert"><p>([^<]*)</p>', response.content.decode())


def accept(client: Client, code: str, **overrides: str) -> Any:
    answer = {"code": code, "decision": "accept", "consent": "on", "channel": "phone"}
    return post(client, {**answer, **overrides})


def test_a_valid_code_shows_the_test_and_the_practice_and_nothing_else(
    family: Family, code: str
) -> None:
    client = visitor()
    start = client.get("/answer/")
    assert start.status_code == 200
    assert "no-store" in start["Cache-Control"]

    offer = post(client, {"code": code.lower().replace("-", " ")})  # as typed

    assert offer.status_code == 200
    page = offer.content.decode()
    assert (
        '<strong data-test="offered-test">a genetic test for the variant known in '
        "the family</strong>"
    ) in page
    assert "Kinderarztpraxis Am Anger (demo)" in page
    assert PHONE in page
    done = accept(client, code)
    assert done.status_code == 200
    pages = [start, offer, done, post(visitor("203.0.113.6"), {"code": "XXXXX-YYYYY"})]
    _assert_nothing_of_the_family(family, [p.content.decode() for p in pages])


def _assert_nothing_of_the_family(family: Family, pages: list[str]) -> None:
    invitation = family.invitation_of(family.mother)
    secrets = {"Anna", "Maria", "Josef", "Huber", "Lindenweg", "LDLR", "c.681C>G"}
    secrets |= {
        p.pseudonym
        for p in Person.objects.filter(
            pk__in=[family.child.pk, family.mother.pk, family.father.pk]
        )
    }
    assert invitation.because_id == family.child.pk
    for page in pages:
        found = {secret for secret in secrets if secret in page}
        assert found == set()
        for word in ("positive", "carrier", "pathogenic", "mother", "father"):
            assert word not in page.lower()


def test_unknown_and_expired_codes_read_the_same(family: Family, code: str) -> None:
    unknown = post(visitor(), {"code": "ABCDE-FGHJK"})
    invitation = family.invitation_of(family.mother)
    # The code's last valid day was yesterday.
    CascadeInvitation.objects.filter(pk=invitation.pk).update(
        answer_code_expires_on=timezone.localdate() - timedelta(days=1)
    )
    expired = post(visitor(), {"code": code})

    assert error_of(unknown) == error_of(expired) == [UNKNOWN]
    assert unknown.status_code == expired.status_code == 200
    # Nor can an expired code answer directly.
    assert error_of(accept(visitor(), code)) == [UNKNOWN]
    assert family.invitation_of(family.mother).state == "invited"


def test_the_code_works_once(family: Family, code: str) -> None:
    assert accept(visitor(), code).status_code == 200
    again = post(visitor(), {"code": code})
    assert error_of(again) == [UNKNOWN]
    answer_again = post(
        visitor(), {"code": code, "decision": "decline", "channel": "letter"}
    )
    assert error_of(answer_again) == [UNKNOWN]
    invitation = family.invitation_of(family.mother)
    assert (invitation.state, invitation.answer_code_digest) == ("accepted", "")


def test_wrong_codes_are_limited_per_address(
    family: Family, code: str, settings: Any
) -> None:
    settings.FOLLOWUP_ANSWER_GUESSES_PER_WINDOW = 3
    guesser = visitor("198.51.100.7")
    for guess in ("AAAAA-AAAAA", "BBBBB-BBBBB", "short"):
        assert error_of(post(guesser, {"code": guess})) == [UNKNOWN]

    refused = post(guesser, {"code": code})  # even the right code, now
    assert refused.status_code == 429
    assert "Too many wrong codes were entered." in refused.content.decode()
    assert guesser.get("/answer/").status_code == 200  # the form itself stays
    # Another address is not held back by these guesses.
    assert post(visitor("198.51.100.8"), {"code": code}).status_code == 200
    cache.clear()  # the window has passed
    assert post(guesser, {"code": code}).status_code == 200


def test_an_empty_code_is_no_guess(family: Family, settings: Any) -> None:
    settings.FOLLOWUP_ANSWER_GUESSES_PER_WINDOW = 1
    client = visitor()
    response = post(client, {"code": ""})
    assert "This field is required." in response.content.decode()
    assert error_of(post(client, {"code": "AAAAA-AAAAA"})) == [UNKNOWN]
    assert post(client, {"code": "AAAAA-AAAAA"}).status_code == 429


def test_the_form_needs_its_csrf_token(code: str) -> None:
    response = visitor().post("/answer/", {"code": code})
    assert response.status_code == 403


def test_accepting_records_consent_and_opens_an_episode(
    family: Family, code: str
) -> None:
    done = accept(visitor(), code, channel="email")

    assert done.status_code == 200
    assert "will contact you by e-mail" in done.content.decode()
    invitation = family.invitation_of(family.mother)
    assert invitation.state == "accepted"
    assert invitation.preferred_channel == "email"
    assert invitation.answered_at is not None
    assert invitation.answer_code_digest == ""
    consent = Consent.objects.get(person=family.mother)
    assert (consent.scope, consent.given_on, consent.withdrawn_on) == (
        "screening",
        timezone.localdate(),
        None,
    )
    assert consent.history.get().history_user is None  # the relative, no account
    episode = CareEpisode.objects.get(person=family.mother)
    assert (episode.origin, episode.stage, episode.closed_on) == (
        "cascade",
        "genetic_testing",
        None,
    )
    assert invitation.history.first().history_user is None


def test_accepting_needs_consent_and_a_channel(family: Family, code: str) -> None:
    client = visitor()
    response = accept(client, code, consent="", channel="")
    page = response.content.decode()
    assert (
        'data-field="consent" role="alert">Please give your consent to take part.'
        in page
    )
    assert (
        'data-field="channel" role="alert">Please choose how to be contacted.' in page
    )
    invitation = family.invitation_of(family.mother)
    assert invitation.state == "invited"
    assert not Consent.objects.filter(person=family.mother).exists()
    assert invitations.invitation_for_code(code) == invitation  # still usable


def test_declining_settles_the_invitation_and_opens_nothing(
    family: Family, code: str
) -> None:
    invitation = family.invitation_of(family.mother)
    task = Task.objects.get(dedupe_key=f"cascade:{invitation.pk}")
    assert task.status == "done"  # printing the letter completed it

    done = post(visitor(), {"code": code, "decision": "decline", "channel": ""})

    assert "You will not be invited again." in done.content.decode()
    invitation.refresh_from_db()
    assert (invitation.state, invitation.preferred_channel) == ("declined", "")
    assert invitation.answered_at is not None
    assert not Consent.objects.filter(person=family.mother).exists()
    assert not CareEpisode.objects.filter(person=family.mother).exists()
    assert not Task.objects.filter(
        person=family.mother, status__in=["open", "claimed"]
    ).exists()


def test_a_relative_marked_unreachable_answers_a_new_letter(
    family: Family, coord: Any
) -> None:
    """The first letter came back undelivered; the second, to a new address,
    carries a new code that answers the invitation."""
    invitation = family.invitation_of(family.father)
    invitations.set_state(invitation, state="unreachable", acting_user=coord)
    (code,) = printed_codes(
        pdf_text(letters.invitation_letters([invitation], acting_user=coord))
    )
    assert family.invitation_of(family.father).state == "unreachable"

    assert accept(visitor(), code).status_code == 200

    assert family.invitation_of(family.father).state == "accepted"
