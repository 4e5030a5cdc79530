"""Resolving the caller of a request from its ``X-API-Key`` header.

The result is computed once per request and cached on it: the rate limiter (middleware, before
the URL resolver) and DRF's authentication both use it, so a key costs one lookup.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from rest_framework.authentication import BaseAuthentication
from rest_framework.request import Request

from access.models import ApiKey
from access.principal import ANONYMOUS_ADMIN, Principal
from access.selectors import api_key_authenticate
from access.services import api_keys_seed

logger = logging.getLogger("converge.security")

_REQUEST_ATTRIBUTE = "_converge_auth"
_seed_lock = threading.Lock()
_seeded_entries: str | None = None
_warned_auth_off = False


@dataclass(frozen=True)
class AuthResult:
    principal: Principal | None
    failure: str | None = None  # no_api_key | invalid_key


class PrincipalUser:
    """``request.user`` of API requests: the principal seen through Django's user protocol."""

    is_authenticated = True
    is_anonymous = False
    is_active = True

    def __init__(self, principal: Principal) -> None:
        self.principal = principal

    def __str__(self) -> str:
        return self.principal.actor


def ensure_env_keys_seeded() -> None:
    """Seed ``CONVERGE_API_KEYS`` once per process (``converge serve`` also seeds at start-up,
    this covers a WSGI server started without it)."""
    global _seeded_entries
    entries = settings.CONVERGE_API_KEYS
    if _seeded_entries == entries:
        return
    with _seed_lock:
        if _seeded_entries != entries:
            api_keys_seed(entries=entries)
            _seeded_entries = entries


def principal_for(key: ApiKey) -> Principal:
    return Principal(
        role=key.role,
        actor=key.actor,
        tenant=key.tenant,
        scopes=tuple(key.scopes) if key.scopes is not None else None,
        key_prefix=key.key_prefix,
        key_id=key.pk,
    )


def _warn_auth_off() -> None:
    global _warned_auth_off
    if not _warned_auth_off:
        _warned_auth_off = True
        logger.warning("CONVERGE_AUTH_REQUIRED is off: every API caller is an anonymous admin")


def resolve_request(request: HttpRequest) -> AuthResult:
    """Who is calling (cached on the request)."""
    cached = getattr(request, _REQUEST_ATTRIBUTE, None)
    if cached is not None:
        return cached
    if not settings.CONVERGE_AUTH_REQUIRED:
        _warn_auth_off()
        result = AuthResult(ANONYMOUS_ADMIN)
    else:
        raw_key = request.headers.get("X-API-Key", "").strip()
        if not raw_key:
            result = AuthResult(None, "no_api_key")
        else:
            ensure_env_keys_seeded()
            key = api_key_authenticate(raw_key)
            result = AuthResult(principal_for(key)) if key else AuthResult(None, "invalid_key")
    setattr(request, _REQUEST_ATTRIBUTE, result)
    return result


class ApiKeyAuthentication(BaseAuthentication):
    """DRF authentication by ``X-API-Key``; failures are turned into 401 by the permission
    check, which knows the route and records the denial."""

    def authenticate(self, request: Request) -> tuple[Any, Principal] | None:
        result = resolve_request(request._request)
        if result.principal is None:
            return None
        return PrincipalUser(result.principal), result.principal

    def authenticate_header(self, request: Request) -> str:
        return "ApiKey"
