"""Access errors: each carries the reason recorded on its ``access.denied`` event."""

from __future__ import annotations

from rest_framework.exceptions import NotAuthenticated, PermissionDenied

from converge_core.errors import ConvergeError


class Unauthenticated(NotAuthenticated):
    """401: no key, an unknown key, or an expired or revoked one."""

    default_detail = "Unauthorized"

    def __init__(self, reason: str) -> None:
        super().__init__("Unauthorized")
        self.access_reason = reason


class Forbidden(PermissionDenied):
    """403: the role or a scope is missing."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.access_reason = reason


class CrossTenant(ConvergeError):
    """403: a tenant-bound key acting on another tenant."""

    code = "http_403"
    http_status = 403
    exit_code = 2
    access_reason = "cross_tenant"

    def __init__(self) -> None:
        super().__init__("Forbidden: cannot access another tenant")
