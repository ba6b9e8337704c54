"""The Content Security Policy header: django-csp's, built once per process."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from csp.constants import HEADER, HEADER_REPORT_ONLY, NONCE, SELF
from csp.decorators import csp_exempt, csp_update
from csp.exceptions import CSPNonceError
from csp.middleware import CSPMiddleware
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.test import Client, RequestFactory, override_settings

from fh_registry.middleware import ContentSecurityPolicyMiddleware

View = Callable[[HttpRequest], HttpResponseBase]


def _directives(header: str) -> dict[str, str]:
    """The policy as a mapping (django-csp's directive order follows a set's)."""
    parts = (part.strip().partition(" ") for part in header.split(";"))
    return {name: value for name, _, value in parts}


def _through(middleware: type[CSPMiddleware], view: View, path: str) -> HttpResponse:
    response = middleware(view)(RequestFactory().get(path))
    assert isinstance(response, HttpResponse)
    return response


def _both(view: View, path: str = "/somewhere") -> tuple[HttpResponse, HttpResponse]:
    """The response of ours and of django-csp's middleware around the same view."""
    ours = _through(ContentSecurityPolicyMiddleware, view, path)
    return ours, _through(CSPMiddleware, view, path)


def _plain(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


def test_a_plain_response_carries_django_csps_policy() -> None:
    ours, theirs = _both(_plain)
    assert _directives(ours[HEADER]) == _directives(theirs[HEADER])
    assert _directives(ours[HEADER])["script-src"] == SELF
    assert HEADER_REPORT_ONLY not in ours


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/healthz", "/accounts/login/", "/api/v1/persons/"])
def test_pages_and_the_api_carry_the_strict_policy(client: Client, path: str) -> None:
    response = client.get(path)
    policy = _directives(response[HEADER])
    assert policy["default-src"] == SELF
    assert policy["script-src"] == SELF
    assert policy["style-src"] == SELF
    assert policy["object-src"] == "'none'"
    assert "unsafe-inline" not in response[HEADER]


def test_a_view_decorator_still_changes_the_policy() -> None:
    view = csp_update({"img-src": ["https://tiles.example.org"]})(_plain)
    ours, theirs = _both(view)
    assert ours[HEADER] == theirs[HEADER]
    assert "https://tiles.example.org" in _directives(ours[HEADER])["img-src"]


def test_an_exempt_view_gets_no_header() -> None:
    ours, theirs = _both(csp_exempt()(_plain))
    assert HEADER not in ours
    assert HEADER not in theirs


def test_a_header_the_view_set_is_kept() -> None:
    def own_header(request: HttpRequest) -> HttpResponse:
        response = HttpResponse("ok")
        response[HEADER] = "default-src 'none'"
        return response

    ours, _ = _both(own_header)
    assert ours[HEADER] == "default-src 'none'"


def test_a_nonce_used_by_the_page_is_in_its_header() -> None:
    def with_nonce(request: HttpRequest) -> HttpResponse:
        return HttpResponse(str(request.csp_nonce))  # type: ignore[attr-defined]

    policy = {"DIRECTIVES": {"default-src": [SELF], "script-src": [SELF, NONCE]}}
    with override_settings(CONTENT_SECURITY_POLICY=policy):
        response = _through(ContentSecurityPolicyMiddleware, with_nonce, "/")
        unused = _through(ContentSecurityPolicyMiddleware, _plain, "/")
    nonce = response.content.decode()
    assert _directives(response[HEADER])["script-src"] == f"{SELF} 'nonce-{nonce}'"
    assert _directives(unused[HEADER])["script-src"] == SELF


def test_a_nonce_asked_for_after_the_header_is_an_error() -> None:
    request = RequestFactory().get("/")
    ContentSecurityPolicyMiddleware(_plain)(request)
    with pytest.raises(CSPNonceError):
        str(request.csp_nonce)  # type: ignore[attr-defined]


def test_changed_settings_are_followed() -> None:
    before, _ = _both(_plain)
    policy = {"DIRECTIVES": {"default-src": [SELF], "img-src": [SELF, "data:"]}}
    report_only = {"DIRECTIVES": {"default-src": ["'none'"]}}
    with override_settings(
        CONTENT_SECURITY_POLICY=policy, CONTENT_SECURITY_POLICY_REPORT_ONLY=report_only
    ):
        during, theirs = _both(_plain)
    after, _ = _both(_plain)
    assert _directives(during[HEADER]) == _directives(theirs[HEADER])
    assert during[HEADER_REPORT_ONLY] == theirs[HEADER_REPORT_ONLY]
    assert during[HEADER_REPORT_ONLY] == "default-src 'none'"
    assert _directives(before[HEADER]) == _directives(after[HEADER])
    assert before[HEADER] != during[HEADER]
    assert HEADER_REPORT_ONLY not in after


def test_excluded_prefixes_get_no_header() -> None:
    policy = {
        "EXCLUDE_URL_PREFIXES": ["/outside"],
        "DIRECTIVES": {"default-src": [SELF]},
    }
    with override_settings(CONTENT_SECURITY_POLICY=policy):
        ours, theirs = _both(_plain, "/outside/page")
        inside, _ = _both(_plain, "/inside")
    assert HEADER not in ours
    assert HEADER not in theirs
    assert inside[HEADER] == "default-src 'self'"
