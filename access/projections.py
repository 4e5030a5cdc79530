"""Read projections of the API reused while nothing is logged.

The intents table and the read models are materialised from the event log, and every change
to them appends an event in the same transaction: a projection made under the log's version
(:func:`ledger.selectors.log_version`) is current until the next append. The shared cache
names the current entry of each read (a small random token under a key made of the read, its
parameters and the version); it expires after ``PROJECTION_SECONDS``, so what moves with the
clock alone (the summary's 24-hour health window) is never older than that. Each process
keeps the rendered JSON of the entries it made or saw, so a reuse costs the version and one
small cache read, whatever the number of rows.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any

from django.core.cache import cache
from django.http import HttpResponse
from rest_framework.renderers import JSONRenderer

from ledger.selectors import log_version

logger = logging.getLogger("converge.api")

PROJECTION_SECONDS = 60
# rendered bodies kept per process, the least recently used dropped first
LOCAL_ENTRIES = 32

_renderer = JSONRenderer()
_lock = threading.Lock()
_local: OrderedDict[str, tuple[str, bytes]] = OrderedDict()


def projection_key(name: str, parts: Mapping[str, Any], version: str) -> str:
    state = json.dumps([name, version, parts], sort_keys=True, default=str)
    return "converge-projection:" + hashlib.sha256(state.encode()).hexdigest()


def _local_body(key: str, token: str) -> bytes | None:
    with _lock:
        entry = _local.get(key)
        if entry is None or entry[0] != token:
            return None
        _local.move_to_end(key)
        return entry[1]


def _keep(key: str, token: str, body: bytes) -> None:
    with _lock:
        _local[key] = (token, body)
        _local.move_to_end(key)
        while len(_local) > LOCAL_ENTRIES:
            _local.popitem(last=False)


def _shared_token(key: str) -> str | None:
    try:
        return cache.get(key)
    except Exception:
        logger.warning("projection cache unavailable; answer computed", exc_info=True)
        return None


def _new_token(key: str) -> str | None:
    """A token for a new entry under ``key``: ours, or the one another process just set."""
    token = secrets.token_hex(16)
    try:
        return token if cache.add(key, token, PROJECTION_SECONDS) else cache.get(key)
    except Exception:
        logger.warning("projection cache unavailable; answer not kept", exc_info=True)
        return None


def projection_response(
    name: str, parts: Mapping[str, Any], compute: Callable[[], Any]
) -> HttpResponse:
    """The JSON response of ``compute()`` for the read ``name`` with ``parts`` (its tenant and
    parameters), reused while the log has not moved and for at most ``PROJECTION_SECONDS``.

    The version is read before the rows, so an entry is never older than its key. A cache
    outage computes the answer instead of failing the request."""
    key = projection_key(name, parts, log_version())
    token = _shared_token(key)
    body = _local_body(key, token) if token is not None else None
    if body is None:
        body = _renderer.render(compute())
        token = token or _new_token(key)
        if token is not None:
            _keep(key, token, body)
    return HttpResponse(body, content_type=_renderer.media_type)
