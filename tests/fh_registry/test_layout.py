"""The base layout's links: each role's navigation, in the page's language and
under the script prefix the registry is served at."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import set_script_prefix

pytestmark = pytest.mark.django_db

NAV = re.compile(r'<nav class="mainnav"[^>]*>(.*?)</nav>', re.S)
LINK = re.compile(r'<a href="([^"]+)">([^<]+)</a>')
FORMS = re.compile(r'<form action="([^"]+)"')


def _layout(user: Any, *, lang: str = "en") -> dict[str, Any]:
    client = Client(HTTP_ACCEPT_LANGUAGE=lang)
    if user is not None:
        client.force_login(user)
    html = client.get("/accounts/login/" if user is None else "/", follow=True)
    text = html.content.decode()
    nav = NAV.search(text)
    brand = re.search(r'<a class="brand" href="([^"]+)"', text)
    assert brand is not None
    return {
        "nav": LINK.findall(nav.group(1)) if nav else None,
        "brand": brand.group(1),
        "forms": FORMS.findall(text),
    }


@pytest.mark.parametrize(
    ("who", "links"),
    [
        (
            "ped_a",
            [
                ("/screening/children/", "Children"),
                ("/screening/children/register/", "Register a child"),
                ("/screening/imports/", "Import lab results"),
            ],
        ),
        (
            "coord",
            [
                ("/followup/queue/", "Follow-up queue"),
                ("/followup/dashboard/", "Dashboard"),
                ("/screening/imports/", "Import lab results"),
            ],
        ),
        ("epi", [("/statistics/", "Statistics")]),
        ("administrator", [("/admin/", "Administration")]),
    ],
)
def test_each_role_gets_its_navigation(
    request: pytest.FixtureRequest, who: str, links: list[tuple[str, str]]
) -> None:
    layout = _layout(request.getfixturevalue(who))
    assert layout["nav"] == links
    assert layout["brand"] == "/"
    assert layout["forms"][0] == "/i18n/setlang/"
    assert layout["forms"][-2:] == ["/preferences/unit/", "/accounts/logout/"]


def test_a_signed_out_visitor_gets_no_navigation(cast: Any) -> None:
    layout = _layout(None)
    assert layout["nav"] is None
    assert layout["forms"][0] == "/i18n/setlang/"


def test_links_follow_the_language(ped_a: Any) -> None:
    german = _layout(ped_a, lang="de")
    assert [label for _, label in german["nav"]] == [
        "Kinder",
        "Kind registrieren",
        "Laborbefunde importieren",
    ]
    assert _layout(ped_a)["nav"][0][1] == "Children"


def test_links_follow_the_script_prefix(epi: Any) -> None:
    """Served under a path (SCRIPT_NAME), every link carries it."""
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(epi)
    try:
        set_script_prefix("/registry/")  # as the WSGI handler sets it from SCRIPT_NAME
        page = client.get("/statistics/").content.decode()
    finally:
        set_script_prefix("/")
    nav = NAV.search(page)
    assert nav is not None
    assert LINK.findall(nav.group(1)) == [("/registry/statistics/", "Statistics")]
    assert '<a class="brand" href="/registry/"' in page
    assert '<form action="/registry/accounts/logout/"' in page
