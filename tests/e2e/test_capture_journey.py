"""A pediatrician registers a child, enters results and meets the guard rails."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.personas import register_child

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_register_enter_positive_result_and_see_field_error(
    cast: Any, live_server: Any, login: Any
) -> None:
    page = login("ped_a")
    page.get_by_role("button", name="EN", exact=True).click()
    page.get_by_role("link", name="Register a child").first.click()
    page.get_by_label("Practice patient number").fill("A-5001")
    page.get_by_label("Given name").fill("Lena")
    page.get_by_label("Family name").fill("Huber")
    page.get_by_label("Sex").select_option("F")
    page.get_by_label("Date of birth").fill("2016-04-12")
    page.get_by_label("Written parental consent").check()
    page.get_by_role("button", name="Register").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Huber, Lena")
    page.get_by_role("link", name="Enter screening result").click()
    page.get_by_label("Sample type").select_option("capillary")
    page.get_by_label("Unit of the values below").select_option("mmol/L")
    page.locator("#id_total_cholesterol").fill("7.1")
    page.locator("#id_hdl_cholesterol").fill("1.3")
    page.locator("#id_ldl_cholesterol").fill("5.3")
    page.locator("#id_triglycerides").fill("1.1")
    page.get_by_role("button", name="Save and assess").click()

    latest = page.locator("#latest-assessment")
    expect(latest.locator("[data-outcome]")).to_have_text("positive")
    expect(latest).to_contain_text("5.3")

    page.get_by_role("link", name="Enter screening result").click()
    page.get_by_label("Sample type").select_option("capillary")
    page.locator("#id_total_cholesterol").fill("4.0")
    page.locator("#id_hdl_cholesterol").fill("1.3")
    page.locator("#id_ldl_cholesterol").fill("5.3")
    page.locator("#id_triglycerides").fill("1.1")
    page.get_by_role("button", name="Save and assess").click()
    errors = page.locator('.field-error[data-field="ldl_cholesterol"]')
    expect(errors.filter(has_text="cannot exceed total cholesterol")).to_have_text(
        "LDL-C 5.3 mmol/L cannot exceed total cholesterol 4.0 mmol/L"
    )


def test_child_of_another_practice_is_not_found(
    cast: Any, live_server: Any, login: Any
) -> None:
    other = register_child(cast["ped_b"], practice_code="DEMO-B", number="B-9")
    page = login("ped_a")
    response = page.goto(f"{live_server.url}/screening/children/{other.pseudonym}/")
    assert response is not None
    assert response.status == 404
