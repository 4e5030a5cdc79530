"""Process probes outside the API prefixes: no key, no rate limit."""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone

from converge_core.audit import format_timestamp
from interfaces.dbready import pending_migrations
from interfaces.exceptions import method_not_allowed

logger = logging.getLogger("converge.health")

MIGRATIONS_SHOWN = 5


def _now() -> str:
    return format_timestamp(timezone.now())


def health(request: HttpRequest) -> HttpResponse:
    """``GET /health``: the process answers."""
    if request.method not in ("GET", "HEAD"):
        return method_not_allowed()
    return JsonResponse({"status": "ok", "timestamp": _now()})


def health_live(request: HttpRequest) -> HttpResponse:
    """``GET /health/live``: liveness, without touching the database."""
    if request.method not in ("GET", "HEAD"):
        return method_not_allowed()
    return JsonResponse({"status": "ok"})


def health_ready(request: HttpRequest) -> HttpResponse:
    """``GET /health/ready``: the database answers and every migration is applied."""
    if request.method not in ("GET", "HEAD"):
        return method_not_allowed()
    try:
        pending = pending_migrations()
    except Exception as exc:  # any failure to reach the database means "not ready"
        logger.warning("readiness: database unavailable: %s", exc)
        return _unavailable("database: unreachable")
    if pending:
        names = ", ".join(f"{app}.{name}" for app, name in sorted(pending)[:MIGRATIONS_SHOWN])
        more = "" if len(pending) <= MIGRATIONS_SHOWN else ", …"
        return _unavailable(
            f"migrations: {len(pending)} pending ({names}{more}); run `converge migrate`"
        )
    return JsonResponse({"status": "ok", "timestamp": _now()})


def _unavailable(error: str) -> HttpResponse:
    return JsonResponse({"status": "unavailable", "error": error, "timestamp": _now()}, status=503)
