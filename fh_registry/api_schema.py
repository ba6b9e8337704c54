"""The API schema: every operation documents the errors the registry answers.

drf-spectacular lists only the responses a view declares; a client also meets
the answers that authentication, permissions, throttling, parsing and the
lookups give on every endpoint. `RegistryAutoSchema` adds those, with the body
`fh_registry.api.exception_handler` writes, and gives a declared error response
that names no body the same shape.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework.permissions import AllowAny

ERROR_ITEM = {
    "type": "object",
    "properties": {"message": {"type": "string"}, "code": {"type": "string"}},
    "required": ["message", "code"],
}
ERROR_DETAIL = {
    "type": "object",
    "description": "One message about the whole request.",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}

BAD_REQUEST = (
    "A parameter or field is missing or malformed: messages with stable codes "
    "keyed by the field (`non_field_errors` for the request as a whole), or "
    "`detail` when the body cannot be read."
)
UNAUTHENTICATED = "No credentials were sent, or the token is wrong."
FORBIDDEN = (
    "The caller's role may not do this, or the signed-in session lacks its "
    "second factor or its CSRF token."
)
NOT_FOUND = (
    "No such record in the caller's scope (as for one that does not exist), or "
    "an endpoint the caller's role does not have."
)
CONFLICT = "The request conflicts with the record's state (with the refusal's code)."
UNSUPPORTED_MEDIA_TYPE = "The body is in a format this endpoint does not read."
THROTTLED = (
    "Too many requests from this client or user, or too many wrong tokens from "
    "this address; the Retry-After header says when to try again."
)


class RegistryAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema, with the error answers of every operation."""

    def get_operation(
        self,
        path: str,
        path_regex: str,
        path_prefix: str,
        method: str,
        registry: Any,
    ) -> dict[str, Any] | None:
        operation = super().get_operation(
            path, path_regex, path_prefix, method, registry
        )
        if operation is None:
            return None
        responses = operation["responses"]
        for code, description in self.error_answers(operation).items():
            answer = responses.setdefault(code, {"description": description})
            answer["description"] = answer.get("description") or description
        for code, answer in responses.items():
            if code.startswith("4") and "content" not in answer:
                schema = self.error_body(code)
                answer["content"] = {
                    media_type: {"schema": schema}
                    for media_type in self.map_renderers("media_type")
                }
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def error_answers(self, operation: dict[str, Any]) -> dict[str, str]:
        """The error statuses this operation can answer, with their meaning.

        Every request is authenticated (a wrong token is a 401 even where no
        sign-in is needed), throttled, and passes the second-factor and CSRF
        checks of a session; 404 comes from lookups and from the role checks
        of endpoints behind a sign-in; 409 only where a view declares it."""
        answers = {"401": UNAUTHENTICATED, "403": FORBIDDEN, "429": THROTTLED}
        if not any(isinstance(p, AllowAny) for p in self.view.get_permissions()):
            answers["404"] = NOT_FOUND
        reads_input = any(
            parameter.get("in") != "path"
            for parameter in operation.get("parameters", [])
        )
        if reads_input or "requestBody" in operation:
            answers["400"] = BAD_REQUEST
        if "requestBody" in operation:
            answers["415"] = UNSUPPORTED_MEDIA_TYPE
        if "409" in operation["responses"]:
            answers["409"] = CONFLICT
        return answers

    def error_body(self, code: str) -> dict[str, Any]:
        """The exception handler's shapes: a validation error (400, and the
        409 refusals, which are raised as one) is keyed by field; any other
        error, and a body that cannot be parsed, is `{"detail": ...}`."""
        detail = self.component("ErrorDetail", ERROR_DETAIL)
        if code not in ("400", "409"):
            return detail
        item = self.component("ErrorItem", ERROR_ITEM)
        fields = self.component(
            "FieldErrors",
            {
                "type": "object",
                "description": "Messages with stable codes, keyed by the field "
                "they concern; `non_field_errors` for the request as a whole.",
                "additionalProperties": {"type": "array", "items": item},
            },
        )
        return fields if code == "409" else {"anyOf": [fields, detail]}

    def component(self, name: str, schema: dict[str, Any]) -> dict[str, Any]:
        """A reference to the schema component `name`, registered once."""
        component = ResolvedComponent(
            name=name, type=ResolvedComponent.SCHEMA, schema=schema, object=name
        )
        self.registry.register_on_missing(component)
        return component.ref
