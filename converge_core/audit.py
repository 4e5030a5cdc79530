"""The audit chain's pinned hash formula.

hash = SHA-256 hex of ``prev_hash + "\\n" + canonical`` where ``canonical`` is the compact,
key-sorted, ASCII-only JSON of the event envelope. Payloads are normalised by a JSON round
trip before they are stored and hashed, so PostgreSQL's jsonb gives back the same bytes, and
NUL characters (which jsonb cannot store) are escaped.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

GENESIS_HASH = "0" * 64
NUL_ESCAPE = "\\u0000"


def format_timestamp(value: datetime) -> str:
    """UTC ``YYYY-MM-DDTHH:MM:SS.ffffff+00:00``, microseconds always present."""
    if value.tzinfo is None:
        raise ValueError("audit timestamps must be timezone-aware")
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")


def _escape_nul(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("\x00", NUL_ESCAPE)
    if isinstance(value, list):
        return [_escape_nul(item) for item in value]
    if isinstance(value, dict):
        return {_escape_nul(key): _escape_nul(item) for key, item in value.items()}
    return value


def normalize_json(value: Any) -> Any:
    """The stored form of a payload: JSON round-tripped, NUL escaped, NaN refused.

    Values JSON cannot represent (dates, paths, decimals) are rendered as strings.
    """
    text = json.dumps(value, allow_nan=False, default=str)
    return _escape_nul(json.loads(text))


def canonical_event(
    *,
    event_id: str,
    trace_id: str,
    timestamp: datetime,
    event_type: str,
    intent_id: str | None,
    agent_id: str | None,
    tenant_id: str | None,
    payload: Any,
    evidence: Any,
) -> str:
    """The canonical JSON text of an event envelope (the storage sequence is not hashed)."""
    envelope = {
        "id": event_id,
        "trace_id": trace_id,
        "timestamp": format_timestamp(timestamp),
        "event_type": event_type,
        "intent_id": intent_id,
        "agent_id": agent_id,
        "tenant_id": tenant_id,
        "payload": payload,
        "evidence": evidence,
    }
    return json.dumps(
        envelope, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False
    )


def chain_hash(prev_hash: str, canonical: str) -> str:
    """SHA-256 hex of ``prev_hash + "\\n" + canonical``."""
    return hashlib.sha256(f"{prev_hash}\n{canonical}".encode("ascii")).hexdigest()
