"""The public shape of an event."""

from __future__ import annotations

from typing import Any

from converge_core.audit import format_timestamp
from ledger.models import Event


def event_serialize(event: Event) -> dict[str, Any]:
    """The public shape of an event (the storage sequence and hashes stay internal)."""
    return {
        "id": event.id,
        "trace_id": event.trace_id,
        "timestamp": format_timestamp(event.timestamp),
        "event_type": event.event_type,
        "intent_id": event.intent_id,
        "agent_id": event.agent_id,
        "tenant_id": event.tenant_id,
        "payload": event.payload,
        "evidence": event.evidence,
    }
