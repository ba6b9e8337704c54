"""The child page: results in the user's unit, assessments with reasons, the
chart, family and genetic facts, escaped, in a constant number of queries."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils.html import escape

from screening import services
from tests.personas import child_page, client_for, lab_entry, register_child

pytestmark = pytest.mark.django_db

NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def _results(ped: Any, child: Any, count: int) -> None:
    for n in range(count):
        services.record_lab_result(
            acting_user=ped,
            person=child,
            entry=lab_entry(
                sample_date=date(2025, 1, 6) + timedelta(days=14 * n),
                ldl_cholesterol=Decimal("2.4") + Decimal(n) / 100,
                lab_sample_id=f"S-{n}",
            ),
        )


def test_results_show_in_the_users_unit_with_the_friedewald_mark(
    ped_a: Any, child_a: Any
) -> None:
    services.record_lab_result(
        acting_user=ped_a,
        person=child_a,
        entry=lab_entry(
            unit="mg/dL",
            total_cholesterol=Decimal("260"),
            hdl_cholesterol=Decimal("50"),
            ldl_cholesterol=None,
            triglycerides=Decimal("120"),
            fasting=True,
        ),
    )
    html = child_page(ped_a, child_a)
    row = re.search(r'<table id="results">.*?<tbody>(.*?)</tbody>', html, re.S)
    assert row is not None
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)
    # TC 260 mg/dL = 6.72 mmol/L; Friedewald LDL-C 260 - 50 - 120/5 = 186 mg/dL
    assert cells[1] == "capillary, fasting"
    assert cells[2] == "6.72"
    assert cells[3].startswith("4.81 <span")
    assert "Friedewald, computed here" in cells[3]
    assert cells[6] == "mg/dL"
    ped_a.preferred_unit = "mg/dL"
    ped_a.save(update_fields=["preferred_unit"])
    html = child_page(ped_a, child_a)
    assert '<td class="num">260</td>' in html
    assert '<td class="num">186 <span' in html


def test_assessments_are_listed_newest_first_with_their_reasons(
    ped_a: Any, child_a: Any
) -> None:
    _results(ped_a, child_a, 2)
    services.record_lab_result(
        acting_user=ped_a,
        person=child_a,
        entry=lab_entry(
            sample_date=date(2025, 3, 3),
            total_cholesterol=Decimal("7.1"),
            ldl_cholesterol=Decimal("5.3"),
        ),
    )
    html = child_page(ped_a, child_a)
    cards = re.findall(r'<div class="card assessment">(.*?)</div>', html, re.S)
    assert len(cards) == 3
    assert (
        '<span class="badge positive" data-outcome="positive">positive</span>'
        " criterion A"
    ) in cards[0]
    assert "2025-03-03" in cards[0]
    reasons = re.search(r'<ul class="reasons">(.*?)</ul>', cards[0])
    assert reasons is not None
    assert "5.3" in reasons.group(1)
    assert "2025-01-06" in cards[2]
    latest = re.search(
        r'<section class="card" id="latest-assessment">(.*?)</section>', html, re.S
    )
    assert latest is not None
    assert 'data-outcome="positive"' in latest.group(1)
    assert "<li>" in latest.group(1)


def test_reasons_show_in_the_pages_language(ped_a: Any, child_a: Any) -> None:
    services.record_lab_result(
        acting_user=ped_a,
        person=child_a,
        entry=lab_entry(
            total_cholesterol=Decimal("7.1"), ldl_cholesterol=Decimal("5.3")
        ),
    )
    assessment = child_a.lab_results.get().assessments.get()
    english, german = child_page(ped_a, child_a, "en"), child_page(ped_a, child_a, "de")
    assert escape(assessment.reasons("en")[0]) in english
    assert escape(assessment.reasons("de")[0]) in german
    assert escape(assessment.reasons("de")[0]) not in english


def test_chart_coordinates_are_plain_numbers_in_every_language(
    ped_a: Any, child_a: Any
) -> None:
    _results(ped_a, child_a, 3)
    for lang in ("en", "de"):
        svg = re.search(
            r"<svg class=\"chart\".*?</svg>", child_page(ped_a, child_a, lang), re.S
        )
        assert svg is not None
        values = re.findall(r'\b(?:x|y|x1|x2|y1|y2|cx|cy)="([^"]*)"', svg.group(0))
        assert len(values) > 3 * 2
        assert all(NUMBER.match(value) for value in values), (lang, values)
        assert svg.group(0).count("<circle") == 3


def test_urgent_alert_for_suspected_homozygous_fh(ped_a: Any, child_a: Any) -> None:
    services.record_lab_result(
        acting_user=ped_a,
        person=child_a,
        entry=lab_entry(
            unit="mg/dL",
            total_cholesterol=Decimal("520"),
            hdl_cholesterol=Decimal("40"),
            ldl_cholesterol=Decimal("450"),
            triglycerides=Decimal("90"),
        ),
        confirm_extreme=True,
    )
    assert 'data-alert="hofh_suspected"' in child_page(ped_a, child_a)


def test_entered_texts_are_escaped(ped_a: Any, child_a: Any) -> None:
    services.record_family_history(
        acting_user=ped_a,
        person=child_a,
        code="parent_premature_chd",
        detail="Vater <b>Infarkt</b> & 41",
    )
    services.record_genetic_result(
        acting_user=ped_a,
        person=child_a,
        gene="LDLR",
        hgvs_c="c.681C>G",
        acmg_class="pathogenic",
        lab="Labor <Süd>",
        report_date=date(2025, 6, 1),
    )
    html = child_page(ped_a, child_a)
    assert "Vater &lt;b&gt;Infarkt&lt;/b&gt; &amp; 41" in html
    assert "c.681C&gt;G" in html
    assert "Labor &lt;Süd&gt;" in html
    assert "<b>Infarkt" not in html


def test_page_queries_do_not_grow_with_results(
    ped_a: Any, child_a: Any, django_assert_max_num_queries: Any
) -> None:
    other = register_child(ped_a, number="A-2", given_name="Alma")
    _results(ped_a, child_a, 1)
    _results(ped_a, other, 20)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(ped_a)
    # The first request of a session notes when it began (a session write,
    # then at most once a minute): measured from the second on.
    client.get(f"/screening/children/{other.pseudonym}/")
    counts = []
    for child, results in ((child_a, 1), (other, 20)):
        # Session, user, child, then the page's reads, one per kind of record
        # (results, assessments, identity, consents, family history, genetic
        # results; the follow-up panel's episodes, tasks and invitations), and
        # the read-access log's one insert.
        with django_assert_max_num_queries(13) as captured:
            response = client.get(f"/screening/children/{child.pseudonym}/")
        assert response.content.decode().count("<tr>") == results + 1
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]


def test_a_deactivated_user_is_signed_out(ped_a: Any, child_a: Any) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(ped_a)
    url = f"/screening/children/{child_a.pseudonym}/"
    assert client.get(url).status_code == 200
    ped_a.is_active = False
    ped_a.save(update_fields=["is_active"])
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_names_show_to_the_practice_not_to_administrators(
    ped_a: Any, administrator: Any, child_a: Any
) -> None:
    assert "Huber, Anna" in child_page(ped_a, child_a)
    assert "Huber" not in child_page(administrator, child_a)
    assert "Kinderarztpraxis Am Anger (demo) (DEMO-A)" in child_page(
        administrator, child_a
    )


def test_the_newest_assessments_show_and_all_on_request(
    ped_a: Any, child_a: Any
) -> None:
    _results(ped_a, child_a, 9)
    html = child_page(ped_a, child_a)
    assert html.count('class="card assessment"') == 6
    assert 'href="?assessments=all#assessments"' in html
    client = client_for(ped_a)
    every = client.get(f"/screening/children/{child_a.pseudonym}/?assessments=all")
    page = every.content.decode()
    assert page.count('class="card assessment"') == 9
    assert 'href="?assessments=all#assessments"' not in page
