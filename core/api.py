"""API conventions shared by every app: domain errors become 400 responses, and every error is
an RFC 9457 problem document (application/problem+json) naming the fields that failed."""

from __future__ import annotations

from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError as DjangoValidationError

if TYPE_CHECKING:
    from rest_framework.response import Response

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
    # DRF is imported where an API error is answered: services import ApplicationError from
    # here, and every process (a worker, a loader) would otherwise load DRF at start.
    from rest_framework import exceptions
    from rest_framework.views import exception_handler as drf_exception_handler

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


class KnownQueryParameters:
    """For API views: a GET whose query names a parameter the view does not read is refused
    with a 400 problem document naming it, so that a misplaced identifier (`?mbi=...`) never
    silently returns a whole list. Known: `format`, the paginator's parameters, the filterset's
    fields (lists), and what the view lists in `query_parameters` by action."""

    query_parameters: dict[str, tuple[str, ...]] = {}

    def known_query_parameters(self) -> set[str]:
        view: Any = self
        known = {"format"}
        paginator = getattr(view, "paginator", None)
        for name in ("page_query_param", "page_size_query_param", "cursor_query_param"):
            if paginator is not None and getattr(paginator, name, None):
                known.add(getattr(paginator, name))
        if view.action == "list":
            filterset = getattr(view, "filterset_class", None)
            if filterset is not None:
                known.update(filterset.base_filters)
            known.update(getattr(view, "filterset_fields", None) or ())
        known.update(self.query_parameters.get(view.action, ()))
        return known

    def initial(self, request: Any, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        if request.method not in ("GET", "HEAD"):
            return
        unknown = sorted(set(request.query_params) - self.known_query_parameters())
        if unknown:
            # Names only: the value may be an identifier that must not be echoed.
            from rest_framework import exceptions

            from core.logging import mask_mbis

            raise exceptions.ValidationError(
                {mask_mbis(name): ["Unknown query parameter."] for name in unknown}
            )
