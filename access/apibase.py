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
    """Validated query parameters; errors read ``query.<name>: <reason>``.

    A parameter given empty (``?limit=``) is a value like any other, refused where the field
    does not allow it, never taken for an absent one (the schema says so too)."""
    serializer = serializer_class(data=request.query_params.dict())
    if not serializer.is_valid():
        raise ApiValidationError("query", serializer.errors)
    return dict(serializer.validated_data)


class BodySerializer(serializers.Serializer):
    """A request body with rules its fields alone do not state, declared for the schema
    (``converge_site.openapi``) and enforced by the serializer's ``validate`` or the service.

    ``required_any``: at least one of these fields must be given, not null; ``alternatives``
    are further ways (JSON schemas) to satisfy it. ``closed``: keys other than the fields are
    refused.
    """

    required_any: tuple[str, ...] = ()
    alternatives: tuple[dict[str, Any], ...] = ()
    closed: bool = False


# The JSON types a field takes in a body, and the message when a value has another: DRF
# would also take "3" for an integer, 0 for a string and "yes" for a boolean.
_STRING = ((str,), "Not a valid string.")
_JSON_TYPES: tuple[tuple[type[serializers.Field], tuple[tuple[type, ...], str]], ...] = (
    (serializers.BooleanField, ((bool,), "Must be a valid boolean.")),
    (serializers.IntegerField, ((int,), "A valid integer is required.")),
    (serializers.FloatField, ((int, float), "A valid number is required.")),
    (serializers.CharField, _STRING),
    (serializers.DateTimeField, _STRING),
    (serializers.DictField, ((dict,), 'Expected a dictionary of items but got type "{type}".')),
    (serializers.ListField, ((list,), 'Expected a list of items but got type "{type}".')),
    (serializers.Serializer, ((dict,), 'Expected a dictionary of items but got type "{type}".')),
)


def _json_type(field: serializers.Field) -> tuple[tuple[type, ...], str] | None:
    if isinstance(field, serializers.ChoiceField):
        return _STRING if all(isinstance(key, str) for key in field.choices) else None
    for field_class, json_type in _JSON_TYPES:
        if isinstance(field, field_class):
            return json_type
    return None


def json_type_error(field: serializers.Field, value: Any) -> Any:
    """The first value of a parsed JSON body whose JSON type is not its field's, as a DRF
    error tree (``{"dependencies": {"0": ["Not a valid string."]}}``), or ``None``."""
    if value is None:
        return None  # the field's own allow_null decides
    json_type = _json_type(field)
    if json_type is not None:
        types, message = json_type
        if (isinstance(value, bool) and bool not in types) or not isinstance(value, types):
            return [message.format(type=type(value).__name__)]
    if isinstance(field, serializers.ListField):
        for index, item in enumerate(value):
            if (error := json_type_error(field.child, item)) is not None:
                return {str(index): error}
    elif isinstance(field, serializers.DictField):
        for key, item in value.items():
            if (error := json_type_error(field.child, item)) is not None:
                return {str(key): error}
    elif isinstance(field, serializers.Serializer):
        for name, child in field.fields.items():
            if name in value and (error := json_type_error(child, value[name])) is not None:
                return {name: error}
    return None


def nul_error(value: Any) -> Any:
    """Where a NUL character is in a parsed JSON value (a key or a string anywhere), as a DRF
    error tree, or ``None``: PostgreSQL stores no NUL in text or jsonb."""
    message = ["Null characters are not allowed."]
    if isinstance(value, str):
        return message if "\x00" in value else None
    if isinstance(value, Mapping):
        for key, item in value.items():
            if "\x00" in str(key):
                return {"\\x00".join(str(key).split("\x00")): message}
            if (error := nul_error(item)) is not None:
                return {str(key): error}
    if isinstance(value, list):
        for index, item in enumerate(value):
            if (error := nul_error(item)) is not None:
                return {str(index): error}
    return None


def json_object(request: Request) -> Mapping[str, Any]:
    """The parsed JSON body, which must be an object without NUL characters."""
    data = request.data
    if not isinstance(data, Mapping):
        raise ApiValidationError("body", ["Expected a JSON object."])
    error = nul_error(data)
    if error is not None:
        raise ApiValidationError("body", error)
    return data


def parse_body(request: Request, serializer_class: type[serializers.Serializer]) -> dict[str, Any]:
    """The validated JSON body (an empty body is ``{}``); errors read ``body.<name>: …``.

    Each value must have its field's JSON type: the string ``"3"`` is no integer here."""
    data = json_object(request)
    error = json_type_error(serializer_class(), data)
    if error is not None:
        raise ApiValidationError("body", error)
    serializer = serializer_class(data=data)
    if not serializer.is_valid():
        raise ApiValidationError("body", serializer.errors)
    return dict(serializer.validated_data)


def body_object(request: Request) -> dict[str, Any]:
    """The JSON body as a plain object, for endpoints that keep free extra keys."""
    return dict(json_object(request))
