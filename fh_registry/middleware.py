"""The Content Security Policy header, built once per process.

django-csp builds the header from settings on every response: it deep-copies
the policy parts, copies and deduplicates every directive and joins them, about
a tenth of the CPU of a health check. The registry's policy is the same for
every response that neither a view decorator (`csp_update`, `csp_replace`,
`csp_exempt`, ...) nor a nonce changes; those responses go through django-csp
unchanged, the rest get the policy django-csp built once.
"""

from __future__ import annotations

from typing import Any

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject, CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponseBase

# What a decorator or a view sets on a response to change its policy.
_PER_RESPONSE = (
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_exempt",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
    "_csp_exempt_ro",
)
_SETTINGS = {
    HEADER: "CONTENT_SECURITY_POLICY",
    HEADER_REPORT_ONLY: "CONTENT_SECURITY_POLICY_REPORT_ONLY",
}
_built: dict[str, tuple[str, tuple[str, ...]]] = {}


def _policy(header: str) -> tuple[str, tuple[str, ...]]:
    """The header's value as django-csp builds it, and the path prefixes it skips."""
    found = _built.get(header)
    if found is None:
        value = build_policy(report_only=header == HEADER_REPORT_ONLY)
        config = getattr(settings, _SETTINGS[header], None) or {}
        found = (value, tuple(config.get("EXCLUDE_URL_PREFIXES") or ()))
        _built[header] = found
    return found


@receiver(setting_changed)
def _forget_policy(*, setting: str, **kwargs: Any) -> None:
    if setting in _SETTINGS.values():
        _built.clear()


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware; the fixed policy is not rebuilt for each response."""

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if getattr(request, "_csp_nonce", None) is not None or any(
            hasattr(response, name) for name in _PER_RESPONSE
        ):
            return super().process_response(request, response)
        if response.status_code in (404, 500) and settings.DEBUG:
            return response  # Django's debug pages, as django-csp leaves them
        for header in _SETTINGS:
            value, excluded = _policy(header)
            skipped = excluded and request.path_info.startswith(excluded)
            if value and header not in response and not skipped:
                response[header] = value
        # As django-csp: a nonce asked for after the header is written is an error.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)  # type: ignore[attr-defined]
        return response
