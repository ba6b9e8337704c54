"""The cascade in the browser: a pediatrician adds both parents to a child
with a pathogenic variant, sees the invitations and the pedigree, downloads
the family letter and an invitation letter; the mother answers on the public
page with the code from her letter."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from followup.models import CareEpisode, CascadeInvitation
from screening import services
from tests.personas import register_child

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CODE = re.compile(r"\b[A-Z2-9]{5}-[A-Z2-9]{5}\b")


def _pdf_text(path: Path) -> str:
    return " ".join(page.extract_text() or "" for page in PdfReader(path).pages)


def test_parents_invited_letters_printed_and_an_answer_given(
    cast: Any, live_server: Any, login: Any, page: Any, browser: Any, tmp_path: Path
) -> None:
    child = register_child(cast["ped_a"], number="A-C1", given_name="Lena")
    services.record_genetic_result(
        acting_user=cast["ped_a"],
        person=child,
        gene="LDLR",
        hgvs_c="c.681C>G",
        acmg_class="pathogenic",
        lab="Genetics lab",
        report_date=timezone.localdate() - timedelta(days=3),
    )

    login("ped_a")
    page.get_by_role("button", name="EN", exact=True).click()
    for parent, given, born in (
        ("mother", "Maria", "1985-04-02"),
        ("father", "Paul", "1983-09-12"),
    ):
        page.goto(f"{live_server.url}/screening/children/{child.pseudonym}/")
        page.get_by_role("link", name=f"Add {parent}").click()
        page.get_by_label("Given name").fill(given)
        page.get_by_label("Family name").fill("Huber")
        page.get_by_label("Date of birth").fill(born)
        page.get_by_role("button", name="Save", exact=True).click()

    page.goto(f"{live_server.url}/screening/children/{child.pseudonym}/")
    page.get_by_role("link", name="Open the family page").click()
    rows = page.locator("table.invitations tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("genetic test")
    pedigree = page.locator("svg[role=img]").first
    expect(pedigree).to_be_visible()

    with page.expect_download() as family_download:
        page.get_by_role("link", name="Family letter (PDF)").click()
    family_pdf = tmp_path / "family.pdf"
    family_download.value.save_as(family_pdf)
    assert "Huber" in _pdf_text(family_pdf)

    mother_row = page.locator("table.invitations tbody tr", has_text="Maria")
    with page.expect_download() as letter_download:
        mother_row.get_by_role("button", name="Letter (PDF)").click()
    letter_pdf = tmp_path / "letter.pdf"
    letter_download.value.save_as(letter_pdf)
    codes = CODE.findall(_pdf_text(letter_pdf))
    assert len(codes) == 1

    # The mother, without an account, in a browser of her own.
    relative = browser.new_context(locale="en-GB").new_page()
    relative.goto(f"{live_server.url}/answer/")
    relative.get_by_label("Code from your letter").fill(codes[0])
    relative.get_by_role("button", name="Continue").click()
    expect(relative.locator("[data-test=offered-test]")).to_contain_text("genetic")
    expect(relative.locator("main")).not_to_contain_text("Lena")
    relative.get_by_label("Yes, I would like to take part.").check()
    relative.get_by_role("checkbox").check()  # the consent
    relative.get_by_label("phone").check()
    relative.get_by_role("button", name="Send my answer").click()
    expect(relative.locator("main")).to_contain_text("Thank you")

    mother = child.__class__.objects.get(pk=child.pk).mother
    assert mother is not None
    assert CascadeInvitation.objects.get(relative=mother).state == "accepted"
    assert CareEpisode.objects.get(person=mother).origin == "cascade"
