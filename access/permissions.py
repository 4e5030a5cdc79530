"""Route access: the minimum role and the scope of each method of each API view."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from access.authentication import resolve_request
from access.choices import Role
from access.errors import Forbidden, Unauthenticated


@dataclass(frozen=True)
class Access:
    """Who may call one method of a route: the role (viewer < operator < admin) and the scope
    a key with an explicit scope list must hold."""

    role: str
    scope: str
    denied_message: str = "Forbidden"


def viewer(scope: str) -> Access:
    return Access(Role.VIEWER, scope)


def operator(scope: str) -> Access:
    return Access(Role.OPERATOR, scope)


def admin(scope: str, denied_message: str = "Forbidden") -> Access:
    return Access(Role.ADMIN, scope, denied_message)


class RouteAccess(BasePermission):
    """Authentication, then role, then scope (interfaces §3.5). Secure by default: a method a
    view implements without declaring its access is refused."""

    def has_permission(self, request: Request, view: Any) -> bool:
        result = resolve_request(request._request)
        principal = result.principal
        if principal is None:
            raise Unauthenticated(result.failure or "no_api_key")
        method = "GET" if request.method == "HEAD" else str(request.method)
        if method == "OPTIONS" or not hasattr(view, method.lower()):
            return True  # the view answers 405
        access: Mapping[str, Access] = getattr(view, "access", {})
        rule = access.get(method)
        if rule is None:
            raise Forbidden("Forbidden", "undeclared_route")
        if not principal.has_role(rule.role):
            raise Forbidden(rule.denied_message, "insufficient_role")
        if not principal.has_scope(rule.scope):
            raise Forbidden(f"Missing scope: {rule.scope}", f"missing_scope:{rule.scope}")
        return True
