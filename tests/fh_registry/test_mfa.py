"""A second factor (TOTP) for every role that sees persons: enrolment with
recovery codes, verification per session, recovery codes single-use;
epidemiologists are not asked; lab systems' token calls pass."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.personas import PASSWORD, api_client_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _mfa_on(settings: Any) -> None:
    settings.MFA_REQUIRED = True


def _signed_in(username: str) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert (
        client.post(
            "/accounts/login/", {"username": username, "password": PASSWORD}
        ).status_code
        == 302
    )
    return client


def _current_code(user: Any) -> str:
    device = TOTPDevice.objects.get(user=user)
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    return f"{code:06d}"


def test_enrolment_then_every_new_session_asks_for_a_code(cast: Any) -> None:
    client = _signed_in("ped_a")
    page = client.get("/screening/children/")
    assert page.status_code == 302
    assert page["Location"].startswith("/accounts/mfa/setup/")

    setup = client.get(page["Location"])
    assert "<svg" in setup.content.decode()
    wrong = client.post("/accounts/mfa/setup/", {"code": "000000"})
    assert "This code is not valid" in wrong.content.decode()
    # django-otp throttles a device after a wrong code; the next try waits.
    TOTPDevice.objects.get(user=cast["ped_a"]).throttle_reset()
    done = client.post("/accounts/mfa/setup/", {"code": _current_code(cast["ped_a"])})
    assert done.status_code == 200, done.content.decode()[-2000:]
    codes = re.findall(r"<li><code>(\w+)</code></li>", done.content.decode())
    assert len(codes) == 10
    assert client.get("/screening/children/").status_code == 200

    # A new session: the code page, then the pages.
    other = _signed_in("ped_a")
    asked = other.get("/screening/children/")
    assert asked["Location"].startswith("/accounts/mfa/?next=")
    # A recovery code works once.
    assert other.post("/accounts/mfa/", {"code": codes[0]}).status_code == 302
    assert other.get("/screening/children/").status_code == 200
    third = _signed_in("ped_a")
    reused = third.post("/accounts/mfa/", {"code": codes[0]})
    assert reused.status_code == 200
    assert third.get("/screening/children/").status_code == 302


def test_a_session_without_the_second_factor_gets_no_api_answer(cast: Any) -> None:
    client = _signed_in("coord")
    response = client.get("/api/v1/tasks/")
    assert response.status_code == 403
    # A lab system's token is not a session: it passes.
    assert api_client_for(cast["ped_a"]).get("/api/v1/persons/").status_code == 200


def test_epidemiologists_see_no_person_and_are_not_asked(cast: Any) -> None:
    client = _signed_in("epi")
    assert client.get("/statistics/").status_code == 200
