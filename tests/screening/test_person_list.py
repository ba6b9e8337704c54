"""The practice list: children under 18 by default, a count, paging, sorting,
search by number, pseudonym or name, and each child's current outcome."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tests.personas import record_result, register_child

pytestmark = pytest.mark.django_db

ROW = re.compile(r'<tr>\s*<td><a href="[^"]+">(FH-[A-Z2-9]{10})</a>', re.S)


def _list(user: Any, **params: str) -> str:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    response = client.get("/screening/children/", params)
    assert response.status_code == 200
    return response.content.decode()


def test_children_only_by_default_with_count_and_flag(ped_a: Any) -> None:
    child = register_child(ped_a, number="A-1")
    adult = register_child(
        ped_a, number="A-2", birth_date=timezone.localdate() - timedelta(days=40 * 365)
    )
    record_result(
        ped_a, child, total_cholesterol=Decimal("7.9"), ldl_cholesterol=Decimal("5.6")
    )
    html = _list(ped_a)
    assert ROW.findall(html) == [child.pseudonym]
    assert "1 person" in html
    assert 'data-outcome="positive">positive</span>' in html
    everyone = _list(ped_a, show="all")
    assert set(ROW.findall(everyone)) == {child.pseudonym, adult.pseudonym}
    assert "2 persons" in everyone


def test_search_by_name_number_or_pseudonym(ped_a: Any) -> None:
    anna = register_child(ped_a, number="A-1", given_name="Anna")
    lena = register_child(ped_a, number="A-2", given_name="Lena", family_name="Ritter")
    assert ROW.findall(_list(ped_a, q="ritter")) == [lena.pseudonym]
    assert ROW.findall(_list(ped_a, q="A-1")) == [anna.pseudonym]
    assert ROW.findall(_list(ped_a, q=lena.pseudonym)) == [lena.pseudonym]


def test_sorting_by_flag_puts_flagged_children_first(ped_a: Any) -> None:
    flagged = register_child(ped_a, number="A-1")
    later = register_child(ped_a, number="A-2")
    record_result(
        ped_a, flagged, total_cholesterol=Decimal("7.9"), ldl_cholesterol=Decimal("5.6")
    )
    record_result(ped_a, later)
    assert ROW.findall(_list(ped_a))[0] == later.pseudonym  # newest first
    assert ROW.findall(_list(ped_a, sort="flag"))[0] == flagged.pseudonym


def test_pages_of_fifty(ped_a: Any, django_assert_max_num_queries: Any) -> None:
    born = date(2016, 1, 1)
    for n in range(53):
        register_child(ped_a, number=f"A-{n}", birth_date=born + timedelta(days=n))
    first = _list(ped_a, sort="number")
    assert len(ROW.findall(first)) == 50
    assert "53 persons" in first
    assert "Page 1 of 2" in first
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(ped_a)
    with django_assert_max_num_queries(12):
        second = client.get("/screening/children/", {"sort": "number", "page": "2"})
    assert len(ROW.findall(second.content.decode())) == 3


def test_another_practice_sees_none_of_them(ped_a: Any, ped_b: Any) -> None:
    register_child(ped_a, number="A-1")
    assert ROW.findall(_list(ped_b)) == []
