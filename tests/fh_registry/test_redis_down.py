"""Redis unreachable: pages, login and a saved result keep working; the cache
answers like a miss (fh_registry.cache) and sessions come from the database. A
sign-out while Redis is down stays a sign-out when it returns."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import caches
from django.test import Client

from screening.models import LabResult
from tests.fh_registry.test_cache import REDIS_URL
from tests.personas import PASSWORD

pytestmark = pytest.mark.django_db

# A real Redis client against an address where nothing listens: every call
# meets a refused connection, as when the server is down.
UNREACHABLE = {
    "default": {
        "BACKEND": "fh_registry.cache.DegradingRedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
    }
}


# The cache of the production profile: Redis (the suite's broker server).
REACHABLE = {
    "default": {
        "BACKEND": "fh_registry.cache.DegradingRedisCache",
        "LOCATION": REDIS_URL,
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
}


@pytest.fixture
def redis_down(settings: Any) -> None:
    settings.CACHES = UNREACHABLE
    # (Django's setting_changed handler rebuilds the cache connections.)


def test_login_page_and_saving_a_result_work_without_redis(
    cast: Any, child_a: Any, redis_down: None
) -> None:
    with pytest.raises(Exception):  # noqa: B017, PT011 - proves the cache is down
        caches["default"]._cache.get_client().ping()  # type: ignore[attr-defined]
    client = Client()
    login = client.post("/accounts/login/", {"username": "ped_a", "password": PASSWORD})
    assert login.status_code == 302
    page = client.get(f"/screening/children/{child_a.pseudonym}/")
    assert page.status_code == 200
    saved = client.post(
        f"/screening/children/{child_a.pseudonym}/results/new/",
        {
            "sample_date": "2026-11-01",
            "sample_type": "capillary",
            "fasting": "unknown",
            "unit": "mmol/L",
            "total_cholesterol": "4.2",
            "hdl_cholesterol": "1.4",
            "ldl_cholesterol": "2.4",
            "ldl_method": "direct",
            "triglycerides": "0.9",
        },
    )
    assert saved.status_code == 302
    assert LabResult.objects.filter(person=child_a).count() == 1
    assert client.post("/accounts/logout/").status_code == 302


def test_a_sign_out_while_redis_is_down_stays_a_sign_out_when_it_returns(
    cast: Any, child_a: Any, settings: Any
) -> None:
    page = f"/screening/children/{child_a.pseudonym}/"
    settings.CACHES = REACHABLE
    caches["default"].clear()
    client = Client()
    client.post("/accounts/login/", {"username": "ped_a", "password": PASSWORD})
    assert client.get(page).status_code == 200
    cookie = client.cookies["sessionid"].value

    settings.CACHES = UNREACHABLE  # Redis stops; the pediatrician signs out
    assert client.post("/accounts/logout/").status_code == 302

    settings.CACHES = REACHABLE  # Redis is back, holding what it held before
    replay = Client()
    replay.cookies["sessionid"] = cookie
    answer = replay.get(page)
    assert answer.status_code == 302
    assert answer["Location"].startswith("/accounts/login/")
