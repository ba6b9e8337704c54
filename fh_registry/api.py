"""DRF defaults: cursor pagination and Django ValidationError as a 400."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class RegistryCursorPagination(CursorPagination):
    page_size = 50
    max_page_size = 500
    page_size_query_param = "page_size"
    ordering = "-pk"


def validation_error_detail(error: DjangoValidationError) -> Any:
    """Field-keyed messages with their codes, as the API and the forms report them."""
    if hasattr(error, "error_dict"):
        return {
            ("non_field_errors" if field == "__all__" else field): [
                {"message": " ".join(str(m) for m in e.messages), "code": e.code}
                for e in errors
            ]
            for field, errors in error.error_dict.items()
        }
    return {
        "non_field_errors": [
            {"message": " ".join(str(m) for m in e.messages), "code": e.code}
            for e in error.error_list
        ]
    }


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """One error shape for every 400: {field: [{"message": ..., "code": ...}]}."""
    if isinstance(exc, DjangoValidationError):
        return Response(validation_error_detail(exc), status=400)
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, exceptions.ValidationError):
        details = exc.get_full_details()
        if isinstance(details, list):
            details = {"non_field_errors": details}
        response.data = details
    return response
