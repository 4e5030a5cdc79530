"""Read-only queries of intents and events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from converge_core.errors import NotFound
from converge_core.states import Status
from intents.failures import failure_of
from intents.hooks import intent_details
from intents.models import Intent
from intents.serialization import intent_serialize
from ledger.models import Event
from ledger.selectors import event_feed, latest_event
from ledger.serialization import event_serialize

DECISION_EVENTS = (
    "intent.validated",
    "intent.blocked",
    "intent.rejected",
    "intent.requeued",
    "intent.merged",
    "intent.merge_failed",
    "intent.dependency_blocked",
    "intent.speculative_conflict",
)


def intent_get(intent_id: str, *, tenant_id: str | None = None) -> Intent:
    """The intent, or :class:`NotFound` (also when it belongs to another tenant)."""
    queryset = Intent.objects.select_related("repository").filter(pk=intent_id)
    if tenant_id is not None:
        queryset = queryset.filter(tenant_id=tenant_id)
    intent = queryset.first()
    if intent is None:
        raise NotFound(f"Intent {intent_id} not found", intent_id=intent_id)
    return intent


def intent_list(
    *,
    status: str | None = None,
    tenant_id: str | None = None,
    target: str | None = None,
    plan_id: str | None = None,
    limit: int = 200,
) -> QuerySet[Intent]:
    """Intents in queue order (priority, then age)."""
    queryset = Intent.objects.select_related("repository").order_by("priority", "created_at")
    if status:
        queryset = queryset.filter(status=status)
    if tenant_id is not None:
        queryset = queryset.filter(tenant_id=tenant_id)
    if target:
        queryset = queryset.filter(target=target)
    if plan_id:
        queryset = queryset.filter(plan_id=plan_id)
    return queryset[:limit]


def _queue_place(intent: Intent) -> dict[str, Any]:
    # imported here: the queue's modules read intents through this module
    from intents.queue.position import intent_queue_position

    return intent_queue_position(intent)


def intent_overview(intent_id: str, *, tenant_id: str | None = None) -> dict[str, Any]:
    """What ``intent status`` shows: the intent, its dependencies, its last decision and the
    worker's last processing failure (with whether it sets the intent aside now)."""
    intent = intent_get(intent_id, tenant_id=tenant_id)
    # Only dependencies of the intent's own tenant resolve; another tenant's is unknown (None).
    statuses = dict(
        Intent.objects.filter(pk__in=intent.dependencies, tenant_id=intent.tenant_id).values_list(
            "id", "status"
        )
    )
    dependencies = [{"id": dep, "status": statuses.get(dep)} for dep in intent.dependencies]
    last = latest_event(intent_id=intent.id, event_type=DECISION_EVENTS)
    last_decision = None
    if last is not None:
        last_decision = {
            "event_type": last.event_type,
            "timestamp": event_serialize(last)["timestamp"],
            "trace_id": last.trace_id,
            "reason": last.payload.get("reason") or last.payload.get("error"),
        }
    overview: dict[str, Any] = {
        "intent": intent_serialize(intent),
        "dependencies": dependencies,
        "unmet_dependencies": [d["id"] for d in dependencies if d["status"] != Status.MERGED],
        "last_decision": last_decision,
        "processing_failure": failure_of(intent.id),
        "queue": _queue_place(intent),
    }
    for details in intent_details():
        overview.update(details(intent.id))
    return overview


def event_list(
    *,
    event_type: str | None = None,
    intent_id: str | None = None,
    agent_id: str | None = None,
    tenant_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 100,
) -> QuerySet[Event]:
    """Events newest first, filtered by equality on the envelope and a time window."""
    queryset = event_feed(
        event_type=event_type or None,
        intent_id=intent_id or None,
        agent_id=agent_id or None,
        tenant_id=tenant_id,
        since=since,
        until=until,
    )
    return queryset[:limit]
