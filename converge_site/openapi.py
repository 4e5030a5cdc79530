"""How the OpenAPI schema documents errors: the envelope once, as the ``Error`` component (with
``PayloadTooLargeError`` built on it for the 413 and its ``limit``), and on every operation the
statuses it can answer besides its success.

Every operation takes an API key (401), may be refused by role, scope or tenant (403) and is
rate limited (429). One with query parameters or a body can be a bad request (400); one with
a body can be too large (413); one with a path parameter can name something unknown (404).
:data:`OPERATION_ERRORS` adds what only some operations answer (an unknown intent named in the
query, a conflict with the current state, intake refusing an intent).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import (
    OpenApiSerializerExtension,
    OpenApiSerializerFieldExtension,
)

ERROR_COMPONENT = "Error"

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "The one error shape of the API (interfaces §2.1).",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {
                    "type": "string",
                    "description": "stable machine code: validation_error, http_400, "
                    "http_401, http_403, http_404, feature_disabled, http_405, conflict, "
                    "http_413, intake_rejected, rate_limit_exceeded, internal_error",
                },
                "message": {"type": "string", "description": "human text"},
            },
            "required": ["code", "message"],
            "additionalProperties": True,
        }
    },
    "required": ["error"],
}

ERROR_DESCRIPTIONS: dict[int, str] = {
    400: "`validation_error` (`<location>.<field>: <reason>`, the first error only) or "
    "`http_400` (an explicit bad request such as `tenant_id required`)",
    401: "`http_401`: no API key, an unknown one, or a rotated key past its grace period",
    403: "`http_403`: the key's role or scopes do not allow this, or another tenant is named",
    404: "`http_404`: unknown (or another tenant's) resource; `feature_disabled` with its flag off",
    409: "`conflict`: a duplicate id or a move the current state does not allow",
    413: "`http_413`: the request body is larger than `CONVERGE_MAX_BODY_BYTES` (1 MiB); "
    "`limit` is that size in bytes",
    422: "`intake_rejected`: intake refused the intent (extra: `intent_id`, `mode`)",
    429: "`rate_limit_exceeded`: the tenant's requests per minute are spent",
}

# Errors of a status that always carries further keys: a component each, the ``Error`` shape
# with those keys required.
PAYLOAD_TOO_LARGE_COMPONENT = "PayloadTooLargeError"
PAYLOAD_TOO_LARGE_SCHEMA: dict[str, Any] = {
    "description": "`http_413` with the body limit that was exceeded.",
    "allOf": [
        {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"},
        {
            "type": "object",
            "properties": {
                "error": {
                    "type": "object",
                    "properties": {
                        "limit": {
                            "type": "integer",
                            "minimum": 1,
                            "description": "`CONVERGE_MAX_BODY_BYTES`, in bytes",
                        }
                    },
                    "required": ["limit"],
                }
            },
        },
    ],
}
STATUS_COMPONENTS: dict[int, str] = {413: PAYLOAD_TOO_LARGE_COMPONENT}

RESPONSE_HEADERS: dict[int, dict[str, Any]] = {
    401: {"WWW-Authenticate": {"schema": {"type": "string", "enum": ["ApiKey"]}, "required": True}},
    429: {
        "Retry-After": {
            "schema": {"type": "integer"},
            "required": True,
            "description": "seconds until the budget has room again",
        }
    },
}

# Errors particular to an operation, beyond those its parameters and body imply.
OPERATION_ERRORS: dict[str, tuple[int, ...]] = {
    "POST /v1/intents": (409, 422),
    "PATCH /v1/intents/{intent_id}": (409,),
    "POST /v1/intents/{intent_id}/validate": (409,),
    "GET /v1/risk/review": (404,),
    "GET /v1/health/change": (404,),
    "GET /v1/verification/debt": (404,),
    "POST /v1/reviews": (404,),
    "POST /v1/semantic/conflicts/resolve": (404,),
    "POST /v1/queue/jump": (404, 409),
    "POST /v1/reviews/{task_id}/assign": (409,),
    "POST /v1/reviews/{task_id}/start": (409,),
    "POST /v1/reviews/{task_id}/complete": (409,),
    "POST /v1/reviews/{task_id}/cancel": (409,),
    "POST /v1/reviews/{task_id}/escalate": (409,),
    "POST /v1/security/scan": (404,),
    "POST /v1/security/findings/{finding_id}/dismiss": (409,),
}

METHODS = ("get", "put", "post", "patch", "delete")


def error_statuses(key: str, operation: dict[str, Any]) -> list[int]:
    """The error statuses of one operation (``key`` is ``"POST /v1/intents"``)."""
    located = {parameter.get("in") for parameter in operation.get("parameters", [])}
    statuses = {401, 403, 429, *OPERATION_ERRORS.get(key, ())}
    if "query" in located or "requestBody" in operation:
        statuses.add(400)
    if "requestBody" in operation:
        statuses.add(413)
    if "path" in located:
        statuses.add(404)
    return sorted(statuses)


def error_response(status: int) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": ERROR_DESCRIPTIONS[status],
        "content": {
            "application/json": {
                "schema": {
                    "$ref": f"#/components/schemas/{STATUS_COMPONENTS.get(status, ERROR_COMPONENT)}"
                }
            }
        },
    }
    if status in RESPONSE_HEADERS:
        response["headers"] = RESPONSE_HEADERS[status]
    return response


class BodySerializerScheme(OpenApiSerializerExtension):
    """The rules of a :class:`access.apibase.BodySerializer` its fields do not state:
    ``required_any`` as ``anyOf`` (each branch: that field given, not null, then the
    ``alternatives``), ``closed`` as ``additionalProperties: false``."""

    target_class = "access.apibase.BodySerializer"
    match_subclasses = True

    def map_serializer(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        schema: dict[str, Any] = auto_schema._map_basic_serializer(self.target, direction)
        properties = schema.get("properties", {})
        branches = [
            {
                "required": [name],
                "properties": {
                    name: {k: v for k, v in properties[name].items() if k != "nullable"}
                },
            }
            for name in self.target.required_any
        ]
        branches += self.target.alternatives
        if branches:
            schema["anyOf"] = branches
        if self.target.closed:
            schema["additionalProperties"] = False
        return schema


class TrimmedCharFieldScheme(OpenApiSerializerFieldExtension):
    """A request string DRF trims must hold more than whitespace: ``pattern: \\S``."""

    target_class = "rest_framework.fields.CharField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        schema: dict[str, Any] = auto_schema._map_serializer_field(
            self.target, direction, bypass_extensions=True
        )
        field = self.target
        if (
            direction == "request"
            and field.trim_whitespace
            and not field.allow_blank
            and "pattern" not in schema
        ):
            schema["pattern"] = r"\S"
        return schema


def _require_constrained_bodies(operation: dict[str, Any], schemas: dict[str, Any]) -> None:
    """A body whose schema requires something (a field, one of several) must be sent."""
    body = operation.get("requestBody")
    if body is None:
        return
    for media in body.get("content", {}).values():
        ref = media.get("schema", {}).get("$ref", "")
        component = schemas.get(ref.rsplit("/", 1)[-1], {})
        if component.get("required") or component.get("anyOf"):
            body["required"] = True


def error_responses(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: the ``Error`` component and, on every operation,
    its error responses."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    keys = set()
    for path, item in result.get("paths", {}).items():
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            key = f"{method.upper()} {path}"
            keys.add(key)
            _require_constrained_bodies(operation, schemas)
            responses = operation.setdefault("responses", {})
            for status in error_statuses(key, operation):
                responses.setdefault(str(status), error_response(status))
    unknown = sorted(set(OPERATION_ERRORS) - keys)
    if unknown:
        raise LookupError(f"OPERATION_ERRORS names operations the API lacks: {unknown}")
    schemas[ERROR_COMPONENT] = ERROR_SCHEMA
    schemas[PAYLOAD_TOO_LARGE_COMPONENT] = PAYLOAD_TOO_LARGE_SCHEMA
    result["components"]["schemas"] = dict(sorted(schemas.items()))
    return result
