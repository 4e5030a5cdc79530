"""Reading API keys."""

from __future__ import annotations

import hmac

from django.db.models import QuerySet
from django.utils import timezone

from access.keys import key_digest, key_prefix
from access.models import ApiKey


def api_key_authenticate(raw_key: str) -> ApiKey | None:
    """The active key matching ``raw_key``, or ``None``.

    Candidates are found by their non-secret prefix and confirmed with a constant-time
    comparison of the keyed hashes.
    """
    digest = key_digest(raw_key)
    now = timezone.now()
    match = None
    for candidate in ApiKey.objects.filter(key_prefix=key_prefix(raw_key)):
        # compare every candidate so the time taken does not depend on which one matched
        if hmac.compare_digest(candidate.key_hash, digest):
            match = candidate
    if match is None or not match.is_active(now):
        return None
    return match


def api_key_list() -> QuerySet[ApiKey]:
    return ApiKey.objects.order_by("-created_at")
