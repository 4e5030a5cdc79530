"""The one API error shape: ``{"error": {"code", "message", ...}}``.

DRF errors, domain errors (:class:`ConvergeError`) and Django's own 400/403/404/500 pages all
leave through here, so unknown routes and 405s look like every other error. Access denials
are recorded here too, in one place, once the response is decided.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from rest_framework import exceptions as drf
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import set_rollback

from converge_core.errors import ConvergeError

logger = logging.getLogger("converge.api")

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class BadRequest(ConvergeError):
    """An explicit bad request (``tenant_id required``, ``source is required``)."""

    code = "http_400"
    http_status = 400
    exit_code = 2


class PayloadTooLarge(ConvergeError):
    """A request body over ``DATA_UPLOAD_MAX_MEMORY_SIZE``, refused before it is read."""

    code = "http_413"
    http_status = 413
    exit_code = 2


class ApiValidationError(drf.ValidationError):
    """A validation error that knows where the bad value was: ``body`` or ``query``."""

    def __init__(self, location: str, detail: Any) -> None:
        super().__init__(detail)
        self.location = location


def envelope(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, **extra}}


def _first_error(detail: Any, path: tuple[str, ...] = ()) -> tuple[tuple[str, ...], Any]:
    """The path and text of the first error of a DRF error tree (lists and nested fields)."""
    if isinstance(detail, dict) and detail:
        key, value = next(iter(detail.items()))
        name = () if key == api_settings.NON_FIELD_ERRORS_KEY else (str(key),)
        return _first_error(value, path + name)
    if isinstance(detail, list) and detail:
        return _first_error(detail[0], path)
    return path, detail


def validation_message(location: str, detail: Any) -> str:
    """``body.agent_id: Field required`` — the first error only, with where it was."""
    path, error = _first_error(detail)
    reason = "Field required" if getattr(error, "code", None) == "required" else str(error)
    return f"{'.'.join((location, *path))}: {reason}"


def _record_denial(exc: Exception, context: dict[str, Any]) -> None:
    from access.services import access_record

    request = context.get("request")
    reason = getattr(exc, "access_reason", None)
    # Safe methods never write to the event log, refusals included: a flood of anonymous GETs
    # must not grow the audit chain. They are still counted and logged.
    if request is None or reason is None or request.method in SAFE_METHODS:
        if request is not None and reason is not None:
            logger.info("access denied: %s %s (%s)", request.method, request.path, reason)
        return
    access_record(
        event_type="access.denied",
        principal=request.auth if request.auth is not None else None,
        method=request.method,
        path=request.path,
        reason=reason,
    )


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    """DRF's ``EXCEPTION_HANDLER``: every exception of an API view becomes the envelope."""
    set_rollback()
    _record_denial(exc, context)
    headers: dict[str, str] = {}
    if isinstance(exc, ConvergeError):
        return Response(exc.as_dict(), status=exc.http_status)
    if isinstance(exc, drf.ValidationError):
        location = getattr(exc, "location", "body")
        body = envelope("validation_error", validation_message(location, exc.detail))
        return Response(body, status=400)
    if isinstance(exc, drf.ParseError):
        body = envelope("validation_error", f"body: JSON decode error: {exc.detail}")
        return Response(body, status=400)
    if isinstance(exc, (drf.NotAuthenticated, drf.AuthenticationFailed)):
        headers["WWW-Authenticate"] = "ApiKey"
        return Response(envelope("http_401", "Unauthorized"), status=401, headers=headers)
    if isinstance(exc, (Http404, drf.NotFound)):
        return Response(envelope("http_404", "Not Found"), status=404)
    if isinstance(exc, drf.MethodNotAllowed):
        return Response(envelope("http_405", "Method Not Allowed"), status=405)
    if isinstance(exc, (drf.PermissionDenied, DjangoPermissionDenied)):
        message = str(getattr(exc, "detail", "") or "Forbidden")
        return Response(envelope("http_403", message), status=403)
    if isinstance(exc, drf.APIException):
        if getattr(exc, "wait", None):
            headers["Retry-After"] = str(int(exc.wait))
        body = envelope(f"http_{exc.status_code}", str(exc.detail))
        return Response(body, status=exc.status_code, headers=headers)
    logger.error("unhandled error in %s", context.get("view"), exc_info=exc)
    return Response(envelope("internal_error", "An internal error occurred."), status=500)


def _json(status: int, code: str, message: str) -> HttpResponse:
    return JsonResponse(envelope(code, message), status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _json(400, "http_400", "Bad Request")


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _json(403, "http_403", "Forbidden")


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _json(404, "http_404", "Not Found")


def server_error(request: HttpRequest) -> HttpResponse:
    return _json(500, "internal_error", "An internal error occurred.")


def method_not_allowed() -> HttpResponse:
    return _json(405, "http_405", "Method Not Allowed")
