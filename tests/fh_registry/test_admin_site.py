"""The admin carries the registry's title and offers no bulk delete anywhere."""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps
from django.contrib import admin
from django.test import Client, RequestFactory

from fh_registry.models import User
from screening.models import Person

pytestmark = pytest.mark.django_db

PERSONS = "/admin/screening/person/"


def _admin_client(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def test_the_admin_index_names_the_registry_and_its_models(administrator: Any) -> None:
    text = _admin_client(administrator).get("/admin/").content.decode()
    assert "<title>Registry administration | FH screening registry</title>" in text
    assert (
        '<div id="site-name"><a href="/admin/">FH screening registry administration'
        "</a></div>" in text
    )
    assert "<h1>Registry administration</h1>" in text
    assert ">Import batches</a>" in text
    assert ">Persons</a>" in text


def test_no_admin_offers_delete_selected(administrator: Any) -> None:
    request = RequestFactory().get("/admin/")
    request.user = administrator
    registered = [
        model for model in apps.get_models() if admin.site.is_registered(model)
    ]
    assert User in registered
    for model in registered:
        actions = admin.site.get_model_admin(model).get_actions(request)
        assert "delete_selected" not in actions, model


@pytest.mark.parametrize("changelist", [PERSONS, "/admin/fh_registry/user/"])
def test_the_changelist_shows_no_delete_action(
    administrator: Any, child_a: Any, changelist: str
) -> None:
    text = _admin_client(administrator).get(changelist).content.decode()
    assert 'value="delete_selected"' not in text


def test_posting_delete_selected_for_persons_deletes_nothing(
    administrator: Any, child_a: Any
) -> None:
    response = _admin_client(administrator).post(
        PERSONS, {"action": "delete_selected", "_selected_action": [child_a.pk]}
    )
    assert response.status_code == 200  # the changelist again, no confirmation page
    assert b"Are you sure?" not in response.content
    assert Person.objects.filter(pk=child_a.pk).exists()


def test_posting_delete_selected_for_users_deletes_nobody(
    administrator: Any, ped_b: Any
) -> None:
    _admin_client(administrator).post(
        "/admin/fh_registry/user/",
        {"action": "delete_selected", "_selected_action": [ped_b.pk], "post": "yes"},
    )
    assert User.objects.filter(pk=ped_b.pk, is_active=True).exists()


def test_an_administrator_cannot_change_a_child_s_birth_date_in_the_admin(
    administrator: Any, child_a: Any
) -> None:
    """A birth date changed in the admin would skip reassessment: clinical
    records are read-only there (the services write them)."""
    client = _admin_client(administrator)
    url = f"/admin/screening/person/{child_a.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="birth_date"' not in page.content.decode()
    response = client.post(
        url,
        {
            "pseudonym": child_a.pseudonym,
            "sex": child_a.sex,
            "birth_date": "2010-01-01",
            "practice": child_a.practice_id,
        },
    )
    assert response.status_code == 403
    child_a.refresh_from_db()
    assert child_a.birth_date.isoformat() == "2016-03-01"
