"""Every read of a person's page (with identity and results), history and
follow-up is logged: who, what, when, from where; `access_log PSEUDONYM` prints
it one entry per line and administrators see it on the person's admin page."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from screening.models import ReadAccess
from tests.personas import client_for

pytestmark = pytest.mark.django_db


def test_reads_are_logged_and_printed(cast: Any, child_a: Any, coord: Any) -> None:
    client_for(cast["ped_a"]).get(
        f"/screening/children/{child_a.pseudonym}/", REMOTE_ADDR="10.1.2.3"
    )
    client_for(coord).get(f"/screening/children/{child_a.pseudonym}/")
    entries = list(ReadAccess.objects.filter(person=child_a).order_by("pk"))
    assert {(e.user.username, e.kind) for e in entries} == {
        ("ped_a", "page"),
        ("ped_a", "results"),
        ("ped_a", "identity"),
        ("coord", "page"),
        ("coord", "results"),
        ("coord", "identity"),
    }
    assert entries[0].address == "10.1.2.3"

    out = StringIO()
    call_command("access_log", child_a.pseudonym, stdout=out)
    lines = out.getvalue().splitlines()
    assert len(lines) == 6
    first = lines[0].split("\t")
    assert first[1:4] == ["ped_a", "page", "10.1.2.3"]
    assert first[4] == f"/screening/children/{child_a.pseudonym}/"


def test_a_page_out_of_scope_logs_nothing(cast: Any, child_a: Any) -> None:
    response = client_for(cast["ped_b"]).get(
        f"/screening/children/{child_a.pseudonym}/"
    )
    assert response.status_code == 404
    assert not ReadAccess.objects.exists()


def test_administrators_see_the_log_on_the_person_s_admin_page(
    cast: Any, child_a: Any, administrator: Any
) -> None:
    client_for(cast["ped_a"]).get(f"/screening/children/{child_a.pseudonym}/")
    page = client_for(administrator).get(
        f"/admin/screening/person/{child_a.pk}/change/"
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert "read-access log" in html.lower()
    assert "ped_a" in html


def test_an_unknown_pseudonym_is_an_error(cast: Any) -> None:
    from django.core.management.base import CommandError  # noqa: PLC0415

    with pytest.raises(CommandError):
        call_command("access_log", "FH-NOBODY")
