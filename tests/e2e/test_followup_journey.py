"""A coordinator works the follow-up queue in the browser: filters it from the
keyboard, claims a task, records a failed contact attempt and completes the
task; the pediatrician sees the care episode on the child's page."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from followup.models import ContactAttempt, Task
from tests.personas import record_result, register_child

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _active_ruleset(settings: Any) -> None:
    settings.ACTIVE_PAEDIATRIC_RULESET = "eas2026"


def test_a_coordinator_claims_contacts_and_completes(
    cast: Any, live_server: Any, login: Any, page: Any
) -> None:
    flagged = {}
    for practice, number in (("DEMO-A", "A-1"), ("DEMO-B", "B-1")):
        user = cast["ped_a"] if practice == "DEMO-A" else cast["ped_b"]
        child = register_child(user, practice_code=practice, number=number)
        record_result(
            user,
            child,
            sample_date=timezone.localdate() - timedelta(days=3),
            total_cholesterol=Decimal("7.0"),
            ldl_cholesterol=Decimal("5.2"),
        )
        flagged[practice] = child
    child = flagged["DEMO-B"]

    login("coord")
    page.get_by_role("button", name="EN", exact=True).click()
    page.get_by_role("link", name="Follow-up queue").click()
    expect(page.locator("#tasks tbody tr")).to_have_count(2)

    practice = page.get_by_label("Practice code")
    practice.fill("DEMO-B")
    practice.press("Enter")  # the filter form submits from the keyboard
    rows = page.locator("#tasks tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(child.pseudonym)

    rows.first.get_by_role("button", name="Claim").click()
    expect(page.locator(".messages")).to_contain_text("You hold the task now.")
    expect(page.locator("#tasks tbody tr").first).to_contain_text("coord")

    page.get_by_role("link", name=child.pseudonym).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(child.pseudonym)
    contact = page.locator("#contact")
    contact.get_by_label("Channel").select_option("phone")
    contact.get_by_label("Outcome").select_option("no_answer")
    contact.get_by_label("Note").fill("no answer at noon")
    contact.get_by_role("button", name="Record", exact=True).click()
    expect(page.locator(".messages")).to_contain_text(
        "The contact attempt is recorded."
    )
    expect(page.locator("#timeline")).to_contain_text(
        "Contact by phone: no answer – no answer at noon"
    )

    task_row = page.locator("#person-tasks tbody tr[data-kind='repeat_lipids']")
    task_row.get_by_role("button", name="Done").click()
    expect(page.locator(".messages")).to_contain_text("The task is done.")
    expect(
        page.locator("#person-tasks tbody tr[data-kind='repeat_lipids']")
    ).to_have_attribute("data-status", "done")

    task = Task.objects.get(person=child, kind="repeat_lipids")
    assert task.assignee is not None
    assert (task.status, task.assignee.username) == ("done", "coord")
    attempt = ContactAttempt.objects.get(person=child)
    assert (attempt.outcome, attempt.made_by.username) == ("no_answer", "coord")


def test_a_pediatrician_sees_the_episode_on_the_child_s_page(
    cast: Any, live_server: Any, login: Any, page: Any
) -> None:
    child = register_child(cast["ped_a"], practice_code="DEMO-A", number="A-7")
    record_result(
        cast["ped_a"],
        child,
        total_cholesterol=Decimal("7.0"),
        ldl_cholesterol=Decimal("5.2"),
    )
    login("ped_a")
    page.get_by_role("button", name="EN", exact=True).click()
    page.goto(f"{live_server.url}/screening/children/{child.pseudonym}/")
    panel = page.locator("#follow-up")
    expect(panel).to_contain_text("Care episode open")
    expect(panel.locator("[data-task-kind='repeat_lipids']")).to_contain_text(
        "Repeat fasting venous lipids"
    )
    expect(panel.get_by_role("button")).to_have_count(0)  # read-only
