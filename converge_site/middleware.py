"""Request middleware: security headers, trace ids, metrics and the access log, rate limits,
and slash handling that never redirects an API call."""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.common import CommonMiddleware as DjangoCommonMiddleware
from django.shortcuts import render
from django.urls import Resolver404, resolve
from whitenoise.middleware import WhiteNoiseMiddleware

from converge_core.context import trace_scope
from converge_core.ids import new_trace_id
from interfaces import metrics
from interfaces.exceptions import envelope

access_logger = logging.getLogger("converge.access")
logger = logging.getLogger("converge.api")

API_PREFIXES = ("/v1/", "/api/")
RATE_LIMIT_EXEMPT = ("/health", "/metrics", "/integrations/github")
CONSOLE_PREFIX = "/admin/"
PROBE_PREFIXES = ("/health", "/metrics")

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "X-XSS-Protection": "0",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}

TRACE_ID_PATTERN = re.compile(r"[A-Za-z0-9._:-]{1,100}")
TRACEPARENT_PATTERN = re.compile(r"[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}")
_CONVERTER = re.compile(r"<(?:[^>:]+:)?([^>]+)>")

GetResponse = Callable[[HttpRequest], HttpResponse]


class SecurityHeadersMiddleware:
    """The interfaces' security headers on every response, probes and errors included."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        for name, value in SECURITY_HEADERS.items():
            response[name] = value
        return response


def incoming_trace_id(request: HttpRequest) -> str | None:
    """``X-Trace-Id`` when well-formed, else the trace id of a W3C ``traceparent``."""
    given = request.headers.get("X-Trace-Id", "").strip()
    if given and TRACE_ID_PATTERN.fullmatch(given):
        return given
    parent = TRACEPARENT_PATTERN.fullmatch(request.headers.get("traceparent", "").strip())
    if parent and parent.group(1) != "0" * 32:
        return parent.group(1)
    return None


def route_template(request: HttpRequest) -> str:
    """The matched route as ``/v1/intents/{intent_id}`` (``unmatched`` for unknown paths), so
    metric labels never carry ids."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return "unmatched"
    return "/" + _CONVERTER.sub(r"{\1}", match.route)


class RequestObservabilityMiddleware:
    """Runs the request under its trace id (echoed as ``X-Trace-Id``), then records the
    request metrics and one access-log line."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        trace_id = incoming_trace_id(request) or new_trace_id()
        started = time.perf_counter()
        with trace_scope(trace_id):
            response = self.get_response(request)
        seconds = time.perf_counter() - started
        response["X-Trace-Id"] = trace_id
        path = route_template(request)
        metrics.observe_request(request.method or "", path, response.status_code, seconds)
        duration_ms = round(seconds * 1000, 1)
        level = logging.DEBUG if request.path.startswith(PROBE_PREFIXES) else logging.INFO
        access_logger.log(
            level,
            "%s %s %s %sms",
            request.method,
            request.path,
            response.status_code,
            duration_ms,
            extra={
                "method": request.method,
                "path": request.path,
                "status_code": response.status_code,
                "duration_ms": duration_ms,
                "trace_id": trace_id,
            },
        )
        return response


class BodySizeLimitMiddleware:
    """API requests declaring a body over ``CONVERGE_MAX_BODY_BYTES`` are a 413 before any of
    the body is read (the JSON parser enforces the same bound on what it actually reads)."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith(API_PREFIXES):
            try:
                declared = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                declared = 0  # Django reads no body without a valid length either
            if declared > settings.CONVERGE_MAX_BODY_BYTES:
                limit = settings.CONVERGE_MAX_BODY_BYTES
                body = envelope("http_413", "Payload too large", limit=limit)
                return JsonResponse(body, status=413)
        return self.get_response(request)


class RateLimitMiddleware:
    """Per-tenant budgets (``CONVERGE_RATE_LIMIT_RPM``) shared through the cache.

    Runs after authentication is resolved and before the URL resolver, so 401s and unknown
    routes spend the caller's budget too. Probes, metrics, webhooks and CORS preflights are
    exempt, and so are staff signed in to the console (the login page is limited like any
    anonymous caller, with an HTML page). A cache outage lets requests through rather than
    failing the API.
    """

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not settings.CONVERGE_RATE_LIMIT_ENABLED or request.path.startswith(RATE_LIMIT_EXEMPT):
            return self.get_response(request)
        console = request.path.startswith(CONSOLE_PREFIX)
        if console and _signed_in_staff(request):
            # operators in the console are people reading pages, not API callers: no budget
            return self.get_response(request)
        from access.authentication import resolve_request
        from access.ratelimit import bucket_for, metric_label, rate_limit_hit

        try:
            bucket = bucket_for(request, resolve_request(request).principal)
            decision = rate_limit_hit(bucket, limit=settings.CONVERGE_RATE_LIMIT_RPM)
        except Exception:
            logger.warning("rate limiter unavailable; request let through", exc_info=True)
            return self.get_response(request)
        if decision.allowed:
            response = self.get_response(request)
        else:
            metrics.observe_throttle(metric_label(bucket))
            message = f"Rate limit exceeded ({decision.limit} requests/min)"
            if console:
                response = render(request, "429.html", {"message": message}, status=429)
            else:
                response = JsonResponse(envelope("rate_limit_exceeded", message), status=429)
            response["Retry-After"] = str(decision.retry_after)
        response["X-RateLimit-Limit"] = str(decision.limit)
        response["X-RateLimit-Remaining"] = str(decision.remaining)
        response["X-RateLimit-Reset"] = str(decision.reset_seconds)
        return response


def _signed_in_staff(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated and user.is_staff)


class StaticFilesMiddleware(WhiteNoiseMiddleware):
    """WhiteNoise serving the admin's collected static files (``converge serve`` collects
    them); before a first collection there is simply nothing to serve."""

    def add_files(self, root: str, prefix: str | None = None) -> None:
        if os.path.isdir(root):
            super().add_files(root, prefix)


class CommonMiddleware(DjangoCommonMiddleware):
    """Django's, except that API paths are never redirected to a trailing slash: a client
    that POSTs would lose its body, and API paths have no trailing slash anyway."""

    def should_redirect_with_slash(self, request: HttpRequest) -> bool:
        if request.path_info.startswith(API_PREFIXES) or request.path_info in ("/v1", "/api"):
            return False
        return super().should_redirect_with_slash(request)
