"""``POST /integrations/github/webhook``: verify, record, answer — the work is the worker's.

Order (interfaces §5.1 with its notes): size guard (413), signature over the raw body in
constant time (401; with no secret configured a delivery is refused, 403, unless
``CONVERGE_GITHUB_WEBHOOK_ALLOW_UNSIGNED`` is on), JSON parse and shape check (400 with the
error envelope; nothing is stored), then the delivery row and ``webhook.received``. No API key,
not rate limited, not under ``/v1``.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from converge_core.github import PayloadInvalid, signature_is_valid
from github_app.deliveries import delivery_accept
from interfaces.exceptions import envelope

logger = logging.getLogger(__name__)


def _error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse(envelope(code, message), status=status)


@csrf_exempt
@require_POST
def github_webhook(request: HttpRequest) -> JsonResponse:
    limit = settings.CONVERGE_WEBHOOK_MAX_BODY_BYTES
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return _error(400, "validation_error", "Content-Length is not a number")
    if declared > limit:
        return _error(413, "http_413", "Payload too large")
    body = request.read(limit + 1)
    if len(body) > limit:
        return _error(413, "http_413", "Payload too large")
    secret = settings.CONVERGE_GITHUB_WEBHOOK_SECRET
    if secret:
        if not signature_is_valid(secret, body, request.headers.get("X-Hub-Signature-256")):
            return _error(401, "invalid_signature", "Invalid signature")
    elif not settings.CONVERGE_GITHUB_WEBHOOK_ALLOW_UNSIGNED:
        return _error(
            403, "signature_not_configured", "Webhook signature verification not configured"
        )
    else:
        logger.warning(
            "accepting an unsigned GitHub delivery (CONVERGE_GITHUB_WEBHOOK_ALLOW_UNSIGNED)"
        )
    event = (request.headers.get("X-GitHub-Event") or "").strip()
    if not event:
        return _error(400, "validation_error", "X-GitHub-Event header is required")
    try:
        payload: Any = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return _error(400, "validation_error", f"body: JSON decode error: {exc}")
    if not isinstance(payload, dict):
        return _error(400, "validation_error", "body: must be a JSON object")
    try:
        accepted = delivery_accept(
            delivery_id=(request.headers.get("X-GitHub-Delivery") or "").strip()[:100] or None,
            event=event[:100],
            payload=payload,
        )
    except PayloadInvalid as exc:
        return _error(400, "validation_error", f"body: {exc}")
    answer: dict[str, Any] = {"ok": True, "delivery_id": accepted.delivery_id}
    if accepted.duplicate:
        answer["duplicate"] = True
    else:
        answer["github_event"] = event
        answer["action"] = str(payload.get("action") or "") or None
    return JsonResponse(answer)
