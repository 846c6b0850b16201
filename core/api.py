"""API conventions shared by every app: domain errors become 400 responses, and every error is
an RFC 9457 problem document (application/problem+json) naming the fields that failed."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

PROBLEM_CONTENT_TYPE = "application/problem+json"
# Members RFC 9457 defines; a field of the same name is still listed in `errors`.
PROBLEM_MEMBERS = ("type", "title", "status", "detail", "instance", "errors")


class ApplicationError(Exception):
    """A domain rule said no. `extra` names the record and field when there is one."""

    def __init__(self, message: str, extra: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra or {}


def _field_errors(data: Any, pointer: str = "") -> list[dict[str, Any]]:
    """Every message in DRF's error structure, with a JSON Pointer to its field."""
    if isinstance(data, dict):
        return [
            error
            for key, value in data.items()
            for error in _field_errors(value, f"{pointer}/{key}")
        ]
    if isinstance(data, list) and any(isinstance(item, dict | list) for item in data):
        return [
            error
            for index, item in enumerate(data)
            for error in _field_errors(item, f"{pointer}/{index}")
        ]
    items = data if isinstance(data, list) else [data]
    return [
        {"pointer": f"#{pointer}", "detail": str(item), "code": getattr(item, "code", None)}
        for item in items
    ]


def problem_details(status: int, data: Any, instance: str = "") -> dict[str, Any]:
    """The RFC 9457 problem document for a DRF error body.

    The error body's own members stay (so `{"npi": [...]}` is still there to read), and
    `errors` lists each message with a JSON Pointer (`#/npi`) to the field it concerns.
    """
    fields = dict(data) if isinstance(data, dict) else {"non_field_errors": data}
    detail = fields.pop("detail", None) if isinstance(data, dict) else None
    errors = _field_errors(fields) if fields else []
    if detail is None and errors:
        first = errors[0]
        where = first["pointer"].removeprefix("#/")
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        detail = f"{where}: {first['detail']}{more}" if where else f"{first['detail']}{more}"
    problem = {k: v for k, v in fields.items() if k not in PROBLEM_MEMBERS}
    problem.update(
        type="about:blank",
        title=HTTPStatus(status).phrase,
        status=status,
        detail=str(detail) if detail is not None else HTTPStatus(status).description,
    )
    if instance:
        problem["instance"] = instance
    if errors:
        problem["errors"] = errors
    return problem


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    if isinstance(exc, ApplicationError):
        exc = exceptions.ValidationError({"detail": exc.message, **exc.extra})
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    request = context.get("request")
    response.data = problem_details(
        response.status_code, response.data, getattr(request, "path", "") if request else ""
    )
    renderer = getattr(request, "accepted_renderer", None)
    if renderer is None or getattr(renderer, "format", "json") == "json":
        response.content_type = PROBLEM_CONTENT_TYPE
    return response
