"""Unknown family history is not "none": where a family-dependent criterion is
reachable by the lipids alone, the page and the API say to ask, on every entry
path, until the family history is recorded."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from screening import services
from screening.models import Assessment, Person
from tests.personas import (
    api_client_for,
    child_page,
    client_for,
    lab_entry,
    record_result,
)

pytestmark = pytest.mark.django_db

# LDL-C 160 mg/dL = 4.14 mmol/L: EAS 2026 criterion A (> 4.5) not met, criterion
# B (> 3.5 with a positive family history) reachable.
BORDERLINE = {
    "unit": "mg/dL",
    "total_cholesterol": Decimal("240"),
    "hdl_cholesterol": Decimal("50"),
    "ldl_cholesterol": Decimal("160"),
    "triglycerides": Decimal("90"),
}


def _next_step(html: str) -> str:
    found = re.search(r'<p id="next-step">(.*?)</p>', html, re.S)
    assert found is not None
    return re.sub(r"<[^>]+>", "", found.group(1))


def _current(child: Any) -> Assessment:
    return Assessment.objects.filter(person=child).newest_sample_first()[0]


def test_not_recorded_family_history_asks_instead_of_no_follow_up(
    ped_a: Any, child_a: Any
) -> None:
    recorded = record_result(ped_a, child_a, **BORDERLINE)
    assessment = recorded.assessment
    assert assessment.outcome == "negative"  # the outcome codes stay DOMAIN's
    assert "family_history_unknown" in assessment.alerts
    assert any(
        "Family history not recorded: ask the family. Criterion B is reachable" in r
        for r in assessment.reasons("en")
    )
    html = child_page(ped_a, child_a)
    step = _next_step(html)
    assert "Ask the family" in step
    assert "No follow-up needed" not in step
    assert "family history not recorded" in html
    assert "Familienanamnese nicht erfasst" in child_page(ped_a, child_a, "de")


def test_asked_and_none_found_is_negative_without_the_prompt(
    ped_a: Any, child_a: Any
) -> None:
    record_result(ped_a, child_a, **BORDERLINE)
    client = client_for(ped_a)
    response = client.post(
        f"/screening/children/{child_a.pseudonym}/family-history/new/",
        {"code": "none", "detail": ""},
    )
    assert response.status_code == 302
    current = _current(child_a)
    assert (current.outcome, current.alerts) == ("negative", [])
    assert Person.objects.get(pk=child_a.pk).family_history_asked_on is not None
    assert "No follow-up needed" in _next_step(child_page(ped_a, child_a))
    history = Person.history.filter(id=child_a.pk).order_by("history_date")
    assert history.last().history_user == ped_a


def test_a_positive_family_history_makes_the_child_positive_by_b(
    ped_a: Any, child_a: Any
) -> None:
    record_result(ped_a, child_a, **BORDERLINE)
    services.record_family_history(
        acting_user=ped_a, person=child_a, code="parent_high_cholesterol"
    )
    current = _current(child_a)
    assert (current.outcome, current.criterion) == ("positive", "B")
    assert "family_history_unknown" not in current.alerts


def test_no_prompt_where_no_family_criterion_is_reachable(
    ped_a: Any, child_a: Any
) -> None:
    recorded = services.record_lab_result(
        acting_user=ped_a,
        person=child_a,
        entry=lab_entry(),  # LDL-C 2.4 mmol/L
    )
    assert recorded.assessment.outcome == "negative"
    assert recorded.assessment.alerts == []
    assert "No follow-up needed" in _next_step(child_page(ped_a, child_a))


def test_the_api_says_so(ped_a: Any, child_a: Any) -> None:
    client = api_client_for(ped_a)
    response = client.post(
        "/api/v1/lab-results/",
        {
            "person": child_a.pseudonym,
            "sample_date": str(lab_entry().sample_date),
            "sample_type": "venous",
            "fasting": True,
            **{key: str(value) for key, value in BORDERLINE.items()},
        },
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 201, response.json()
    assessment = response.json()["assessment"]
    assert assessment["outcome"] == "negative"
    assert "family_history_unknown" in assessment["alerts"]
    assert any("Family history not recorded" in r for r in assessment["reasons"])


def test_an_imported_child_is_prompted_too(ped_a: Any, tmp_path: Path) -> None:
    lab_file = tmp_path / "lab.csv"
    lab_file.write_text(
        "practice_patient_id,sex,birth_date,sample_date,sample_type,fasting,"
        "unit,total_cholesterol,hdl_cholesterol,ldl_cholesterol,ldl_method,"
        "triglycerides\n"
        f"P-77,F,2016-04-02,{lab_entry().sample_date},venous,yes,mg/dL,240,50,160,"
        "direct,90\n",
        encoding="utf-8",
    )
    call_command("import_results", str(lab_file), "--practice", "DEMO-A")
    child = Person.objects.get(practice_patient_number="P-77")
    assert "family_history_unknown" in _current(child).alerts
