"""Read models the API serves over the intents table and the event log, tenant-scoped.

Each runs a fixed number of queries whatever the number of rows.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count

from converge_core.states import ACTIVE
from intents.models import Intent, TenantRiskPolicy
from ledger.selectors import latest_payload

PENDING_CAP = 10_000


def _intents(tenant_id: str | None) -> Any:
    queryset = Intent.objects.order_by()
    return queryset if tenant_id is None else queryset.filter(tenant_id=tenant_id)


def intent_counts_by_status(*, tenant_id: str | None) -> dict[str, int]:
    rows = _intents(tenant_id).values_list("status").annotate(count=Count("pk"))
    return {status: count for status, count in rows}


def queue_state(*, tenant_id: str | None) -> dict[str, Any]:
    """``QueueState``: active intents in (priority, id) order and counts per status."""
    by_status = intent_counts_by_status(tenant_id=tenant_id)
    pending = (
        _intents(tenant_id)
        .filter(status__in=ACTIVE)
        .order_by("priority", "id")
        .values_list("id", "status", "priority", "retries")[:PENDING_CAP]
    )
    return {
        "pending": [
            {"intent_id": intent_id, "status": status, "priority": priority, "retries": retries}
            for intent_id, status, priority, retries in pending
        ],
        "total": sum(by_status.values()),
        "by_status": by_status,
    }


def queue_summary(*, tenant_id: str | None) -> dict[str, Any]:
    by_status = intent_counts_by_status(tenant_id=tenant_id)
    return {
        "total": sum(by_status.values()),
        "by_status": by_status,
        "pending_count": sum(by_status.get(status, 0) for status in ACTIVE),
    }


def latest_risk_payload(*, intent_id: str | None, tenant_id: str | None) -> dict[str, Any]:
    """The payload of the latest matching ``risk.evaluated`` event (``{}`` when none)."""
    payload = latest_payload(
        event_type="risk.evaluated", intent_id=intent_id or None, tenant_id=tenant_id
    )
    return payload or {}


def risk_policy_list(*, tenant_id: str | None) -> list[dict[str, Any]]:
    """Stored tenant risk policies, sorted by tenant (only the caller's when bound)."""
    policies = TenantRiskPolicy.objects.order_by("tenant_id")
    if tenant_id is not None:
        policies = policies.filter(tenant_id=tenant_id)
    return [
        {**policy.data, "tenant_id": policy.tenant_id, "version": policy.version}
        for policy in policies
    ]
