"""DRF's exception handler: access denials are recorded, in one place, then every exception
of an API view becomes the one error shape (:mod:`interfaces.exceptions`)."""

from __future__ import annotations

import logging
from typing import Any

from rest_framework.response import Response
from rest_framework.views import set_rollback

from access.services import access_record
from interfaces.exceptions import SAFE_METHODS, api_error_response

logger = logging.getLogger("converge.api")


def _record_denial(exc: Exception, context: dict[str, Any]) -> None:
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
    return api_error_response(exc, context)
