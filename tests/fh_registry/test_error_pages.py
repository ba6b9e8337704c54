"""404, 403 and 500 come in the registry's layout and the visitor's language.

This module is also the URLconf of its tests: the registry's routes plus two views
that fail on purpose, with Django's default error handlers.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.test import Client, override_settings
from django.urls import path

from fh_registry.urls import urlpatterns as registry_urlpatterns

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.urls(__name__),
]


def _refuse(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied("ped_b may not see DEMO-A")


def _break(request: HttpRequest) -> HttpResponse:
    raise RuntimeError(f"the registry broke for {request.user}")


urlpatterns = [
    path("test-only/refuse/", _refuse),
    path("test-only/break/", _break),
    *registry_urlpatterns,
]

BRAND = re.compile(r'<a class="brand" href="/">([^<]+)</a>')
HEADING = re.compile(r'<h1 id="error-title">([^<]+)</h1>')
MAIN = re.compile(r'<main class="content">(.*)</main>', re.S)


def _page(response: Any) -> dict[str, Any]:
    text = response.content.decode()
    brand = BRAND.search(text)
    heading = HEADING.search(text)
    assert brand is not None
    assert heading is not None
    return {"brand": brand.group(1), "heading": heading.group(1), "text": text}


@override_settings(DEBUG=False)
@pytest.mark.parametrize(
    ("lang", "brand"),
    [("de", "FH-Screening-Register"), ("en", "FH screening registry")],
)
def test_a_missing_page_is_a_404_in_the_registry_layout(lang: str, brand: str) -> None:
    response = Client(HTTP_ACCEPT_LANGUAGE=lang).get("/no-such-page/")
    assert response.status_code == 404
    page = _page(response)
    assert page["brand"] == brand
    assert f'<html lang="{lang}">' in page["text"]
    assert '<link rel="stylesheet" href="/static/css/registry.css">' in page["text"]


@override_settings(DEBUG=False)
def test_the_404_says_not_found_or_not_yours_and_leads_home() -> None:
    page = _page(Client(HTTP_ACCEPT_LANGUAGE="en").get("/no-such-page/"))
    assert page["heading"] == "Page not found"
    assert (
        "This page or record was not found, or it is not yours to see." in page["text"]
    )
    assert '<a class="button primary" href="/">Go to the start page</a>' in page["text"]
    assert "no-such-page" not in page["text"].replace('value="/no-such-page/"', "")


@override_settings(DEBUG=False)
def test_ped_b_opening_ped_a_s_child_sees_the_page_of_a_child_that_does_not_exist(
    ped_b: Any, child_a: Any
) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(ped_b)
    theirs = client.get(f"/screening/children/{child_a.pseudonym}/")
    missing = client.get("/screening/children/NO-SUCH-CHILD/")
    assert theirs.status_code == missing.status_code == 404
    theirs_main = MAIN.search(theirs.content.decode())
    missing_main = MAIN.search(missing.content.decode())
    assert theirs_main is not None
    assert missing_main is not None
    assert theirs_main.group(1) == missing_main.group(1)
    assert child_a.pseudonym not in theirs.content.decode().replace(
        f'value="/screening/children/{child_a.pseudonym}/"', ""
    )
    # Signed in, the 404 keeps the user's navigation.
    assert '<nav class="mainnav"' in theirs.content.decode()


@override_settings(DEBUG=False)
@pytest.mark.parametrize(
    ("lang", "brand"),
    [("de", "FH-Screening-Register"), ("en", "FH screening registry")],
)
def test_a_refused_request_is_a_403_in_the_registry_layout(
    ped_b: Any, lang: str, brand: str
) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE=lang)
    client.force_login(ped_b)
    response = client.get("/test-only/refuse/")
    assert response.status_code == 403
    page = _page(response)
    assert page["brand"] == brand
    assert "DEMO-A" not in page["text"]  # the reason is for the log only
    assert '<nav class="mainnav"' in page["text"]


@override_settings(DEBUG=False)
def test_the_403_says_access_denied_and_leads_home(ped_b: Any) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(ped_b)
    page = _page(client.get("/test-only/refuse/"))
    assert page["heading"] == "Access denied"
    assert "Your account may not open this page or do this here." in page["text"]
    assert '<a class="button primary" href="/">Go to the start page</a>' in page["text"]


@override_settings(DEBUG=False)
@pytest.mark.parametrize(
    ("lang", "brand"),
    [("de", "FH-Screening-Register"), ("en", "FH screening registry")],
)
def test_a_failure_is_a_500_in_the_registry_layout(lang: str, brand: str) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE=lang, raise_request_exception=False)
    response = client.get("/test-only/break/")
    assert response.status_code == 500
    page = _page(response)
    assert page["brand"] == brand
    assert f'<html lang="{lang}">' in page["text"]
    assert '<link rel="stylesheet" href="/static/css/registry.css">' in page["text"]
    assert "the registry broke" not in page["text"]  # the reason is for the log


@override_settings(DEBUG=False)
def test_the_500_asks_to_check_what_was_saved(
    ped_a: Any, django_assert_num_queries: Any
) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en", raise_request_exception=False)
    client.force_login(ped_a)
    # The failing view reads the session and the user (two queries); the page
    # itself queries nothing, so it renders with the database down too.
    with django_assert_num_queries(2):
        response = client.get("/test-only/break/")
    page = _page(response)
    assert page["heading"] == "Something went wrong"
    assert (
        "If you were saving something, check whether it was saved before you enter "
        "it again." in page["text"]
    )
    assert '<a class="button primary" href="/">Go to the start page</a>' in page["text"]
    assert "<form" not in page["text"]
    assert ped_a.username not in page["text"]
