"""Errors of the intents domain."""

from __future__ import annotations

from converge_core.errors import ConvergeError, InvalidInput


class IntakeRejected(ConvergeError):
    """An admission check refused the submission; nothing was stored."""

    code = "intake_rejected"
    http_status = 422
    exit_code = 2


class DependencyCycle(InvalidInput):
    code = "dependency_cycle"
