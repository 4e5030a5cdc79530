"""Shared base of the API views: route access, access auditing and input parsing.

Views never look at the prefix they were reached through (``/v1`` or ``/api``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from access.permissions import Access
from access.principal import Principal
from access.tenancy import read_tenant
from interfaces.exceptions import SAFE_METHODS, ApiValidationError


class ConvergeAPIView(APIView):
    """An API view: ``access`` maps each HTTP method to the role and scope it requires.

    A successful non-GET call by an authenticated key appends ``access.granted``.
    """

    access: Mapping[str, Access] = {}
    metadata_class = None  # OPTIONS outside a CORS preflight is a 405 like any other method

    def query_tenant(self, query: Mapping[str, Any]) -> str | None:
        """The tenant a read is scoped to: the key's own, else the one the query names, else
        every tenant (``None``) for an unbound key."""
        return read_tenant(self.principal, query.get("tenant_id"))

    @property
    def principal(self) -> Principal:
        principal = self.request.auth
        assert isinstance(principal, Principal)  # RouteAccess let the request in
        return principal

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)
        principal = request.auth
        if (
            request.method not in SAFE_METHODS
            and response.status_code < 400
            and isinstance(principal, Principal)
            and principal.authenticated
        ):
            from access.services import access_record

            access_record(
                event_type="access.granted",
                principal=principal,
                method=str(request.method),
                path=request.path,
                reason="granted",
            )
        return response


def parse_query(request: Request, serializer_class: type[serializers.Serializer]) -> dict[str, Any]:
    """Validated query parameters; errors read ``query.<name>: <reason>``."""
    serializer = serializer_class(data=request.query_params)
    if not serializer.is_valid():
        raise ApiValidationError("query", serializer.errors)
    return dict(serializer.validated_data)


def parse_body(request: Request, serializer_class: type[serializers.Serializer]) -> dict[str, Any]:
    """The validated JSON body (an empty body is ``{}``); errors read ``body.<name>: …``."""
    data = request.data if request.data is not None else {}
    if not isinstance(data, Mapping):
        raise ApiValidationError("body", ["Expected a JSON object."])
    serializer = serializer_class(data=data)
    if not serializer.is_valid():
        raise ApiValidationError("body", serializer.errors)
    return dict(serializer.validated_data)


def body_object(request: Request) -> dict[str, Any]:
    """The JSON body as a plain object, for endpoints that keep free extra keys."""
    data = request.data if request.data is not None else {}
    if not isinstance(data, Mapping):
        raise ApiValidationError("body", ["Expected a JSON object."])
    return dict(data)
