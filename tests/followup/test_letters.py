"""Letters to families, opened as a reader would: the text is taken out of the
PDF. An invitation letter names the test, carries a fresh answer code and the
answer page's address under the practice's letterhead, in German and English;
the code in the letter works on the answer page. The family letter explains the
finding to the parents. Letters go only to those who read identities."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone, translation
from django.utils.translation import gettext

from followup import invitations, letters
from followup.models import CascadeInvitation, Task
from followup.services import FollowUpError
from screening import services as screening
from tests.followup.letter_family import (
    LETTERHEAD,
    PHONE,
    Family,
    huber_family,
    pdf_pages,
    pdf_text,
    printed_codes,
    with_letterhead,
)
from tests.personas import client_for, register_child

pytestmark = pytest.mark.django_db

GERMAN_MONTHS = [
    *("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August"),
    *("September", "Oktober", "November", "Dezember"),
]


@pytest.fixture(autouse=True)
def _setup(settings: Any) -> None:
    settings.ACTIVE_PAEDIATRIC_RULESET = "eas2026"
    settings.PUBLIC_BASE_URL = "https://fh.example.org/"
    cache.clear()  # the answer page's guess counter


@pytest.fixture
def family(ped_a: Any, child_a: Any) -> Family:
    with_letterhead()
    return huber_family(ped_a, child_a)


def test_an_english_invitation_letter_names_test_code_link_and_letterhead(
    family: Family, coord: Any
) -> None:
    invitation = family.invitation_of(family.mother)
    assert invitation.state == "proposed"

    text = pdf_text(
        letters.invitation_letters([invitation], lang="en", acting_user=coord)
    )

    assert text.startswith(
        "Kinderarztpraxis Am Anger (demo) Angerstraße 7 80331 München "
        f"Phone {PHONE} praxis@example.org Maria Huber Lindenweg 3 80333 München"
    )
    assert "Dear Maria Huber," in text
    assert (
        "We therefore offer Maria Huber: a genetic test for the variant known in "
        "the family (LDLR c.681C>G)"
    ) in text
    assert "on the page https://fh.example.org/answer/, enter this code:" in text
    (code,) = printed_codes(text)
    expires = timezone.localdate() + timedelta(days=90)
    assert f"The code can be used once, until {expires:%-d %B %Y}." in text
    # Only the digest is kept; issuing the letter invited the relative and
    # completed the queue task, both in the name of the coordinator.
    invitation.refresh_from_db()
    assert (
        invitation.answer_code_digest
        == hashlib.sha256(code.replace("-", "").encode()).hexdigest()
    )
    assert code.replace("-", "") not in str(invitation.__dict__)
    assert invitation.answer_code_expires_on == expires
    assert invitation.state == "invited"
    assert invitation.history.first().history_user == coord
    task = Task.objects.get(dedupe_key=f"cascade:{invitation.pk}")
    assert (task.status, task.completed_on) == ("done", timezone.localdate())

    # The printed code works on the public answer page.
    page = client_for(None).post("/answer/", {"code": code})
    assert page.status_code == 200
    assert "a genetic test for the variant known in the family" in page.content.decode()


def test_a_german_invitation_letter_reads_in_german(family: Family, coord: Any) -> None:
    invitation = family.invitation_of(family.father)
    text = pdf_text(
        letters.invitation_letters([invitation], lang="de", acting_user=coord)
    )
    with translation.override("de"):
        words = letters.offered_test("genetic", variant="c.681C>G", gene="LDLR")
        subject = gettext("Invitation to a test for familial hypercholesterolaemia")
        salutation = gettext("Dear %(name)s,") % {"name": "Josef Huber"}
    expires = timezone.localdate() + timedelta(days=90)
    german_date = f"{expires.day}. {GERMAN_MONTHS[expires.month - 1]} {expires.year}"
    assert german_date in text  # Django's German date: "4. März 2027"
    assert words in text
    assert "(LDLR c.681C>G)" in text
    assert f"{subject} {salutation}" in text
    assert "https://fh.example.org/answer/" in text
    assert "Kinderarztpraxis Am Anger (demo)" in text
    assert " ".join(LETTERHEAD.split()) in text
    (code,) = printed_codes(text)
    invitation.refresh_from_db()
    assert invitations.invitation_for_code(code) == invitation


def test_a_batch_puts_each_letter_on_its_own_page_with_its_own_code(
    family: Family, coord: Any
) -> None:
    batch = [family.invitation_of(family.father), family.invitation_of(family.mother)]
    pages = pdf_pages(letters.invitation_letters(batch, lang="en", acting_user=coord))

    assert len(pages) == 2
    assert "Dear Josef Huber," in pages[0]
    assert "Maria" not in pages[0]
    assert "Dear Maria Huber," in pages[1]
    codes = [printed_codes(page) for page in pages]
    assert all(len(found) == 1 for found in codes)
    assert codes[0] != codes[1]


def test_a_new_letter_replaces_the_code_of_the_earlier_one(
    family: Family, coord: Any
) -> None:
    invitation = family.invitation_of(family.mother)
    first = printed_codes(pdf_text(letters.invitation_letters([invitation])))
    second = printed_codes(pdf_text(letters.invitation_letters([invitation])))
    assert invitations.invitation_for_code(first[0]) is None
    assert invitations.invitation_for_code(second[0]) == invitation


def test_an_answered_invitation_gets_no_letter(family: Family, coord: Any) -> None:
    invitation = family.invitation_of(family.mother)
    invitations.set_state(invitation, state="declined", acting_user=coord)
    with pytest.raises(FollowUpError) as refused:
        letters.invitation_letters([invitation], acting_user=coord)
    assert refused.value.code == "invitation_answered"


def test_a_child_relative_is_written_to_through_the_parents(
    family: Family, ped_a: Any
) -> None:
    sister = screening.register_child_of(  # Anna's sister, six years old
        acting_user=ped_a,
        mother=family.mother,
        father=family.father,
        sex="F",
        birth_date=timezone.localdate() - timedelta(days=365 * 6),
        identity=screening.IdentityEntry(
            given_name="Mia", family_name="Huber", street="Lindenweg 3"
        ),
    )
    invitation = CascadeInvitation.objects.get(relative=sister)
    text = pdf_text(letters.invitation_letters([invitation], lang="en"))
    assert "To the parents of Mia Huber Lindenweg 3" in text
    assert "Dear parents of Mia Huber," in text


def test_the_family_letter_explains_the_finding_to_the_parents(
    family: Family,
) -> None:
    text = pdf_text(letters.family_letter(family.child, lang="en"))
    assert "Maria Huber Josef Huber Lindenweg 3 80333 München" in text
    assert "Dear Maria Huber and Josef Huber," in text
    assert (
        "The genetic test of Anna Huber found a change (variant) in the gene LDLR "
        "(c.681C>G) that causes familial hypercholesterolaemia (FH)."
    ) in text
    assert "(cascade testing)" in text
    assert f"If you have questions, please call us: {PHONE}." in text
    # The family letter carries no answer code and changes nothing.
    assert printed_codes(text) == []
    assert set(CascadeInvitation.objects.values_list("state", flat=True)) == {
        "proposed"
    }


def test_the_family_letter_in_german(family: Family) -> None:
    text = pdf_text(letters.family_letter(family.child, lang="de"))
    with translation.override("de"):
        subject = gettext("Familial hypercholesterolaemia in your family")
    today = timezone.localdate()
    assert f"{today.day}. {GERMAN_MONTHS[today.month - 1]} {today.year}" in text
    assert subject in text
    assert "LDLR (c.681C>G)" in text
    assert "Kinderarztpraxis Am Anger (demo)" in text


def test_without_registered_parents_the_family_letter_goes_to_the_parents_of(
    ped_a: Any,
) -> None:
    child = register_child(ped_a, number="A-3", given_name="Paul")
    screening.record_genetic_result(
        acting_user=ped_a,
        person=child,
        gene="APOB",
        hgvs_c="c.10580G>A",
        acmg_class="likely_pathogenic",
        lab="Genetics lab",
        report_date=timezone.localdate() - timedelta(days=1),
    )
    text = pdf_text(letters.family_letter(child, lang="en"))
    assert "To the parents of Paul Huber" in text
    assert "Dear parents of Paul Huber," in text


def test_no_family_letter_without_a_finding(ped_a: Any) -> None:
    child = register_child(ped_a, number="A-4")
    with pytest.raises(FollowUpError) as refused:
        letters.family_letter(child)
    assert refused.value.code == "no_finding"


# --- Who gets letters --------------------------------------------------------------


def _is_pdf_download(response: Any) -> bool:
    return (
        response.status_code == 200
        and response["Content-Type"] == "application/pdf"
        and response["Content-Disposition"].startswith("attachment;")
        and "no-store" in response["Cache-Control"]
        and response.content.startswith(b"%PDF-")
    )


def test_the_family_letter_is_for_the_practice_and_coordinators(
    family: Family, cast: dict[str, Any]
) -> None:
    url = f"/followup/letters/family/{family.child.pseudonym}.pdf"
    assert _is_pdf_download(client_for(cast["ped_a"]).get(url))
    assert _is_pdf_download(client_for(cast["coord"]).get(url + "?lang=de"))
    for outsider in ("ped_b", "epi", "admin"):
        assert client_for(cast[outsider]).get(url).status_code == 404, outsider
    assert client_for(None).get(url).status_code == 302  # to the login page


def test_an_invitation_letter_is_for_the_practice_and_coordinators(
    family: Family, cast: dict[str, Any]
) -> None:
    invitation = family.invitation_of(family.mother)
    url = f"/followup/letters/invitations/{invitation.pk}.pdf"
    for outsider in ("ped_b", "epi", "admin"):
        assert client_for(cast[outsider]).post(url).status_code == 404, outsider
    # Issuing a code changes state: never on a GET (a prefetch, a reload).
    assert client_for(cast["ped_a"]).get(url).status_code == 405
    invitation.refresh_from_db()
    assert (invitation.state, invitation.answer_code_digest) == ("proposed", "")

    response = client_for(cast["ped_a"]).post(url, {"lang": "en"})
    assert _is_pdf_download(response)
    assert "Dear Maria Huber," in pdf_text(response.content)
    invitation.refresh_from_db()
    assert invitation.state == "invited"
    assert invitation.history.first().history_user == cast["ped_a"]


def test_the_coordinator_prints_all_pending_letters_at_once(
    family: Family, cast: dict[str, Any], ped_b: Any, child_b: Any
) -> None:
    with_letterhead("DEMO-B")
    other = huber_family(ped_b, child_b)  # DEMO-B: Bauer's parents
    pending = "/followup/letters/pending.pdf"
    assert client_for(cast["ped_a"]).post(pending).status_code == 404
    assert client_for(cast["epi"]).post(pending).status_code == 404
    assert client_for(cast["coord"]).get(pending).status_code == 405

    response = client_for(cast["coord"]).post(pending, {"lang": "en"})

    assert _is_pdf_download(response)
    pages = pdf_pages(response.content)
    assert len(pages) == 4
    assert all(len(printed_codes(page)) == 1 for page in pages)
    relatives = [family.mother, family.father, other.mother, other.father]
    assert set(
        CascadeInvitation.objects.filter(relative__in=relatives).values_list(
            "state", flat=True
        )
    ) == {"invited"}
    assert set(
        Task.objects.filter(kind="cascade_invitation").values_list("status", flat=True)
    ) == {"done"}
    # Nothing pending any more: back to the queue with a message.
    again = client_for(cast["coord"]).post(pending)
    assert (again.status_code, again["Location"]) == (302, "/followup/queue/")


def test_a_letter_needs_the_name_on_the_record(ped_a: Any) -> None:
    """A child who arrived with a lab file has no name yet: no letter is
    addressed to 'your child'; the record is completed first."""
    from datetime import timedelta  # noqa: PLC0415

    from django.utils import timezone  # noqa: PLC0415

    from followup import letters  # noqa: PLC0415
    from followup.services import FollowUpError  # noqa: PLC0415
    from screening import services  # noqa: PLC0415
    from screening.models import PersonIdentity  # noqa: PLC0415
    from tests.personas import register_child  # noqa: PLC0415

    child = register_child(ped_a, number="A-N")
    services.record_genetic_result(
        acting_user=ped_a,
        person=child,
        gene="LDLR",
        hgvs_c="c.681C>G",
        acmg_class="pathogenic",
        lab="Genetics lab",
        report_date=timezone.localdate() - timedelta(days=1),
    )
    PersonIdentity.objects.filter(person=child).delete()
    with pytest.raises(FollowUpError) as refused:
        letters.family_letter(child, lang="en")
    assert refused.value.code == "no_identity"
