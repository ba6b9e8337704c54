"""A pediatrician, in German and in English: registers a child, enters a result
with the family history not yet recorded and is told to ask, records the family
history and sees the outcome change; completes an imported child's record."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from screening.models import Person

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# The page's words in each language (the labels the pediatrician reads).
WORDS = {
    "en": {
        "switch": "EN",
        "register": "Register a child",
        "number": "Practice patient number",
        "given": "Given name",
        "family": "Family name",
        "sex": "Sex",
        "born": "Date of birth",
        "consent": "Written parental consent",
        "submit_register": "Register",
        "enter": "Enter screening result",
        "sample_type": "Sample type",
        "unit": "Unit of the values below",
        "save_result": "Save and assess",
        "ask": "Ask the family",
        "add_history": "Add family history",
        "finding": "Finding",
        "save": "Save",
        "complete": "Complete the record",
        "born_value": "2016-04-12",
        "ldl": "160",
        "tc": "240",
        "hdl": "50",
        "tg": "90",
    },
    "de": {
        "switch": "DE",
        "register": "Kind registrieren",
        "number": "Patientennummer der Praxis",
        "given": "Vorname",
        "family": "Nachname",
        "sex": "Geschlecht",
        "born": "Geburtsdatum",
        "consent": "Schriftliche Einwilligung",
        "submit_register": "Registrieren",
        "enter": "Screening-Befund eingeben",
        "sample_type": "Probenart",
        "unit": "Einheit der folgenden Werte",
        "save_result": "Speichern und bewerten",
        "ask": "Fragen Sie die Familie",
        "add_history": "Familienanamnese hinzufügen",
        "finding": "Befund",
        "save": "Speichern",
        "complete": "Akte vervollständigen",
        "born_value": "2016-04-12",
        "ldl": "160",
        "tc": "240",
        "hdl": "50",
        "tg": "90",
    },
}


@pytest.mark.parametrize("lang", ["de", "en"])
def test_unknown_family_history_asks_then_the_outcome_changes(
    cast: Any, live_server: Any, login: Any, lang: str
) -> None:
    words = WORDS[lang]
    page = login("ped_a")
    page.get_by_role("button", name=words["switch"], exact=True).click()
    page.get_by_role("link", name=words["register"]).first.click()
    page.get_by_label(words["number"]).fill(f"A-{lang}-1")
    page.get_by_label(words["given"]).fill("Lena")
    page.get_by_label(words["family"]).fill("Huber")
    page.get_by_label(words["sex"]).select_option("F")
    page.get_by_label(words["born"]).fill(words["born_value"])
    page.get_by_label(words["consent"]).check()
    page.get_by_role("button", name=words["submit_register"], exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Huber, Lena")

    page.get_by_role("link", name=words["enter"]).click()
    page.get_by_label(words["sample_type"]).select_option("venous")
    page.get_by_label(words["unit"]).select_option("mg/dL")
    page.locator("#id_total_cholesterol").fill(words["tc"])
    page.locator("#id_hdl_cholesterol").fill(words["hdl"])
    page.locator("#id_ldl_cholesterol").fill(words["ldl"])
    page.locator("#id_triglycerides").fill(words["tg"])
    page.get_by_role("button", name=words["save_result"]).click()

    latest = page.locator("#latest-assessment")
    expect(latest.locator("[data-outcome]")).to_have_attribute(
        "data-outcome", "negative"
    )
    expect(page.locator("#next-step")).to_contain_text(words["ask"])
    expect(latest.locator("[data-alerts]")).to_have_attribute(
        "data-alerts", "family_history_unknown"
    )

    page.get_by_role("link", name=words["add_history"]).click()
    page.get_by_label(words["finding"]).select_option("parent_high_cholesterol")
    page.get_by_role("button", name=words["save"], exact=True).click()
    expect(latest.locator("[data-outcome]")).to_have_attribute(
        "data-outcome", "positive"
    )
    expect(latest.locator("[data-criterion]")).to_have_attribute("data-criterion", "B")
    expect(page.locator("#next-step")).not_to_contain_text(words["ask"])


@pytest.mark.parametrize("lang", ["de", "en"])
def test_an_imported_childs_record_is_completed(
    cast: Any, live_server: Any, login: Any, lang: str, tmp_path: Path
) -> None:
    words = WORDS[lang]
    lab_file = tmp_path / "lab.csv"
    day = timezone.localdate() - timedelta(days=2)
    lab_file.write_text(
        "practice_patient_id,sex,birth_date,sample_date,sample_type,fasting,unit,"
        "total_cholesterol,hdl_cholesterol,ldl_cholesterol,ldl_method,triglycerides\n"
        f"P-{lang},M,2017-06-01,{day},capillary,no,mmol/L,7.1,1.3,5.3,direct,1.1\n",
        encoding="utf-8",
    )
    call_command("import_results", str(lab_file), "--practice", "DEMO-A")
    child = Person.objects.get(practice_patient_number=f"P-{lang}")

    page = login("ped_a")
    page.get_by_role("button", name=words["switch"], exact=True).click()
    page.goto(f"{live_server.url}/screening/children/{child.pseudonym}/")
    page.locator("#incomplete-record").get_by_role("link").click()
    expect(page.locator("#consent-rules")).to_be_visible()
    page.get_by_label(words["given"]).fill("Paul")
    page.get_by_label(words["family"]).fill("Gruber")
    page.get_by_label(words["consent"]).check()
    page.get_by_role("button", name=words["save"], exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Gruber, Paul")
    expect(page.locator("#incomplete-record")).to_have_count(0)
    expect(page.get_by_role("link", name=words["enter"])).to_be_visible()
