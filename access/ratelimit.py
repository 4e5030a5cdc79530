"""A sliding-window rate limiter shared by every process through the Django cache.

Two fixed one-minute windows approximate the sliding window: the previous window's count is
weighted by how much of it still overlaps the last 60 seconds. Refused requests are not
counted. The bucket is decided by the server after authentication, never by a client header.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass

from django.core.cache import cache
from django.http import HttpRequest

from access.principal import Principal

WINDOW_SECONDS = 60
_clock = time.time


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    limit: int
    remaining: int
    reset_seconds: int  # until the current window rolls over
    retry_after: int  # seconds until a refused caller has room again (0 when allowed)


def bucket_for(request: HttpRequest, principal: Principal | None) -> str:
    """The authenticated tenant, else the key, else the client address."""
    if principal is not None and principal.tenant:
        return f"tenant:{principal.tenant}"
    if principal is not None and principal.key_id is not None:
        return f"key:{principal.key_id}"
    return f"ip:{request.META.get('REMOTE_ADDR') or 'unknown'}"


def metric_label(bucket: str) -> str:
    """The ``tenant`` label of the throttling metric: tenants and key ids, never an address
    (unbounded, personal) and never key material."""
    kind, _, name = bucket.partition(":")
    if kind == "tenant":
        return name
    if kind == "key":
        return bucket
    return "anonymous"


def seconds_until_room(prev: int, cur: int, elapsed: float, limit: int) -> float:
    """Time until the weighted count drops to ``limit - 1`` so one more request fits."""
    room = limit - 1
    remaining_window = WINDOW_SECONDS - elapsed
    if cur <= room and prev > 0:
        return max(remaining_window - (room - cur) * WINDOW_SECONDS / prev, 0.0)
    # the current window must first become the previous one and then slide out far enough
    slide = WINDOW_SECONDS - room * WINDOW_SECONDS / cur if cur > 0 else 0.0
    return remaining_window + max(slide, 0.0)


def _cache_key(bucket: str, window: int) -> str:
    digest = hashlib.sha256(bucket.encode()).hexdigest()[:32]
    return f"ratelimit:{digest}:{window}"


def rate_limit_hit(bucket: str, *, limit: int) -> RateDecision:
    """Count one request against ``bucket`` unless it is over ``limit`` per minute."""
    now = _clock()
    window = int(now // WINDOW_SECONDS)
    elapsed = now - window * WINDOW_SECONDS
    current_key, previous_key = _cache_key(bucket, window), _cache_key(bucket, window - 1)
    counts = cache.get_many([previous_key, current_key])
    prev, cur = counts.get(previous_key, 0), counts.get(current_key, 0)
    weight = (WINDOW_SECONDS - elapsed) / WINDOW_SECONDS
    reset = max(1, math.ceil(WINDOW_SECONDS - elapsed))
    if prev * weight + cur + 1 > limit:
        wait = max(1, math.ceil(seconds_until_room(prev, cur, elapsed, limit)))
        return RateDecision(False, limit, 0, reset, wait)
    if cur == 0 and cache.add(current_key, 1, timeout=2 * WINDOW_SECONDS):
        cur = 1
    else:
        try:
            cur = cache.incr(current_key)
        except ValueError:  # the key expired between the read and the increment
            cache.set(current_key, 1, timeout=2 * WINDOW_SECONDS)
            cur = 1
    remaining = max(0, math.floor(limit - (prev * weight + cur)))
    return RateDecision(True, limit, remaining, reset, 0)
