"""The API's request parsers.

Its own module: DRF resolves DEFAULT_PARSER_CLASSES while it defines APIView,
so the module naming the parser must not import rest_framework.views itself
(fh_registry.api does, for the exception handler).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.parsers import JSONParser


class BoundedJSONParser(JSONParser):
    """DRF's JSON parser; JSON nested deeper than Python's recursion limit is a
    400 like any other malformed body, not a server error."""

    def parse(
        self,
        stream: Any,
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as error:
            raise exceptions.ParseError(_("JSON nested too deeply.")) from error
