"""Password guessing, token guessing, password rules, caching of private
answers and session lifetimes (security issue findings, each failing before)."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.test import Client

from tests.personas import PASSWORD, api_client_for, client_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    cache.clear()


def _login(client: Client, username: str, password: str, ip: str = "10.0.0.1") -> Any:
    return client.post(
        "/accounts/login/",
        {"username": username, "password": password},
        REMOTE_ADDR=ip,
        HTTP_ACCEPT_LANGUAGE="en",
    )


def test_the_right_password_is_refused_after_too_many_wrong_ones(cast: Any) -> None:
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _login(client, "ped_a", "wrong-guess").status_code == 200
    assert _login(client, "ped_a", "wrong-guess").status_code == 429
    locked = _login(client, "ped_a", PASSWORD)
    assert locked.status_code == 429
    assert "Too many wrong passwords" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    # No permanent lockout that an attacker elsewhere could cause: the same
    # user from another address, and another user from this one, still log in.
    assert _login(Client(), "ped_a", PASSWORD, ip="10.0.0.2").status_code == 302
    assert _login(Client(), "ped_b", PASSWORD).status_code == 302


def test_the_admin_login_is_guarded_too(cast: Any) -> None:
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            "/admin/login/",
            {"username": "admin", "password": "wrong-guess"},
            REMOTE_ADDR="10.0.0.9",
        )
    response = client.post(
        "/admin/login/",
        {"username": "admin", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.9",
    )
    assert response.status_code == 429


def test_api_token_guessing_is_throttled(cast: Any, settings: Any) -> None:
    settings.API_TOKEN_FAILURE_LIMIT = 5
    client = Client()
    for _ in range(5):
        response = client.get(
            "/api/v1/persons/", HTTP_AUTHORIZATION="Token " + "0" * 40
        )
        assert response.status_code == 401
    guess = client.get("/api/v1/persons/", HTTP_AUTHORIZATION="Token " + "1" * 40)
    assert guess.status_code == 429


def test_passwords_need_twelve_characters_and_new_ones_are_argon2(cast: Any) -> None:
    with pytest.raises(ValidationError):
        validate_password("Short-pw-11")
    validate_password("a long enough passphrase")
    # The test profile puts a fast hasher before the project's list, whose
    # first (the one new passwords get everywhere else) is Argon2.
    assert settings.PASSWORD_HASHERS[1].endswith("Argon2PasswordHasher")


def test_users_change_their_own_password(cast: Any) -> None:
    user = cast["ped_a"]
    client = client_for(user)
    refused = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": "short", "new_password2": "short"},
    )
    assert refused.status_code == 200
    assert "at least 12 characters" in refused.content.decode()
    done = client.post(
        "/accounts/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "lipid clinic on tuesday",
            "new_password2": "lipid clinic on tuesday",
        },
    )
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password("lipid clinic on tuesday")


def test_pages_and_api_answers_are_not_stored_by_caches(
    cast: Any, child_a: Any
) -> None:
    page = client_for(cast["ped_a"]).get(f"/screening/children/{child_a.pseudonym}/")
    assert "no-store" in page["Cache-Control"]
    assert "private" in page["Cache-Control"]
    api = api_client_for(cast["ped_a"]).get("/api/v1/persons/")
    assert "no-store" in api["Cache-Control"]


def test_a_session_ends_when_idle_and_after_its_absolute_limit(
    cast: Any, settings: Any
) -> None:
    client = client_for(cast["ped_a"])
    assert client.get("/screening/children/").status_code == 200
    session = client.session
    session["fh_seen_at"] -= settings.SESSION_IDLE_SECONDS + 1
    session.save()
    assert client.get("/screening/children/").status_code == 302  # to the login

    client = client_for(cast["ped_a"])
    client.get("/screening/children/")
    session = client.session
    session["fh_login_at"] -= settings.SESSION_ABSOLUTE_SECONDS + 1
    session.save()
    assert client.get("/screening/children/").status_code == 302
