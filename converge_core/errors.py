"""Domain errors shared by every layer.

Each error carries what the interfaces need to render it: a stable machine ``code``, the HTTP
status of the API error envelope and the exit code of the CLI (decisions §3: 2 = the caller's
fault, 1 = operational failure, 3 = integrity failure).
"""

from __future__ import annotations

from typing import Any


class ConvergeError(Exception):
    """Base class: an expected failure with a message meant for the user."""

    code: str = "error"
    http_status: int = 500
    exit_code: int = 1

    def __init__(self, message: str, *, code: str | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.extra: dict[str, Any] = extra

    def as_dict(self) -> dict[str, Any]:
        """The ``{"error": {...}}`` envelope shared by the API and the CLI."""
        return {"error": {"code": self.code, "message": self.message, **self.extra}}


class InvalidInput(ConvergeError):
    """Bad input from the caller: a malformed value, a missing field, an unknown choice."""

    code = "validation_error"
    http_status = 400
    exit_code = 2


class NotFound(ConvergeError):
    """The named object does not exist (or is not visible to the caller)."""

    code = "http_404"
    http_status = 404
    exit_code = 2


class Conflict(ConvergeError):
    """The request contradicts the current state: a duplicate id, an illegal transition."""

    code = "conflict"
    http_status = 409
    exit_code = 2


class OperationFailed(ConvergeError):
    """An operational failure that is not the caller's fault (git failed, a lock is held)."""

    code = "operation_failed"
    http_status = 503
    exit_code = 1


class IntegrityFailure(ConvergeError):
    """Stored data failed an integrity check (the audit chain does not verify)."""

    code = "integrity_failure"
    http_status = 500
    exit_code = 3


class FieldInvalid(InvalidInput):
    """A bad value at a path of the caller's input (``technical.scope_hint[3]``).

    The message reads ``<path>: <reason>``; the API prefixes the location of the value
    (``body.technical.scope_hint[3]: ...``, see :meth:`message_at`).
    """

    def __init__(self, path: str, reason: str, **extra: Any) -> None:
        super().__init__(f"{path}: {reason}" if path else reason, **extra)
        self.path = path
        self.reason = reason

    def message_at(self, location: str) -> str:
        return (
            f"{location}.{self.path}: {self.reason}" if self.path else f"{location}: {self.reason}"
        )
