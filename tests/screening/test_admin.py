"""The admin shows clinical records read-only: the services own every write."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_an_administrator_views_a_child_but_cannot_change_add_or_delete(
    client: Client, administrator: Any, child_a: Any
) -> None:
    client.force_login(administrator)
    base = "/admin/screening/person/"
    assert client.get(base).status_code == 200
    page = client.get(f"{base}{child_a.pk}/change/")
    assert page.status_code == 200
    assert b'name="birth_date"' not in page.content  # shown, not editable
    assert child_a.pseudonym.encode() in page.content
    changed = client.post(
        f"{base}{child_a.pk}/change/", {"birth_date": "2001-01-01", "sex": "M"}
    )
    assert changed.status_code == 403
    assert client.get(f"{base}add/").status_code == 403
    assert (
        client.post(f"{base}{child_a.pk}/delete/", {"post": "yes"}).status_code == 403
    )
    bulk = client.post(
        base, {"action": "delete_selected", "_selected_action": [child_a.pk]}
    )
    child_a.refresh_from_db()
    assert str(child_a.birth_date) != "2001-01-01"
    assert bulk.status_code in (200, 302)
    assert type(child_a).objects.filter(pk=child_a.pk).exists()
