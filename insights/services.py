"""Services of the read models: the scheduled snapshots and compliance thresholds.

Reads never write; these are the only writers, called by the beat or an operator.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from converge_core.compliance import validate_thresholds
from converge_core.errors import InvalidInput
from converge_core.fingerprint import value_changed
from insights.debt import debt_compute, debt_enabled
from insights.events import active_intents
from insights.health import change_health_snapshot, change_health_snapshots, repo_health_snapshot
from insights.models import TenantComplianceThresholds
from ledger.append import event_append
from ledger.selectors import event_feed, intents_latest_seq, latest_payload

# Decisions that change an intent's health (holds and skips repeat every queue cycle).
CHANGE_DECISIONS = ("intent.validated", "intent.blocked", "intent.merged", "intent.rejected")
SWEEP_BATCH = 500


def _latest_snapshot(event_type: str, tenant_id: str | None) -> dict[str, Any] | None:
    """The last snapshot of ``tenant_id`` (``None``: the one of every tenant), by time."""
    if tenant_id is None:
        feed = event_feed(event_type=event_type, by_time=True, without_tenant=True)
    else:
        feed = event_feed(event_type=event_type, by_time=True, tenant_id=tenant_id)
    latest = feed.first()
    return latest.payload if latest is not None else None


def _snapshot_append(
    event_type: str, tenant_id: str | None, snapshot: dict[str, Any], *, if_changed: bool
) -> bool:
    """Append the snapshot; with ``if_changed`` (the beat) only when its value differs from
    the last one recorded: readers take a missing slot as "unchanged"."""
    if if_changed and not value_changed(_latest_snapshot(event_type, tenant_id), snapshot):
        return False
    event_append(event_type=event_type, tenant_id=tenant_id, payload=snapshot)
    return True


def debt_snapshot_record(
    *, tenant_id: str | None = None, now: datetime | None = None
) -> dict[str, Any] | None:
    """Record ``verification.debt.snapshot`` (an operator's ``--record``); ``None`` with the
    flag off."""
    if not debt_enabled():
        return None
    snapshot = debt_compute(tenant_id=tenant_id, now=now)
    _snapshot_append("verification.debt.snapshot", tenant_id, snapshot, if_changed=False)
    return snapshot


def health_snapshot_record(
    *, tenant_id: str | None = None, now: datetime | None = None
) -> dict[str, Any]:
    """Record ``health.snapshot`` (an operator's ``--record``; health predictions read these)."""
    snapshot = repo_health_snapshot(tenant_id=tenant_id, now=now)
    _snapshot_append("health.snapshot", tenant_id, snapshot, if_changed=False)
    return snapshot


def change_health_snapshot_record(*, intent_id: str, through_seq: int = 0) -> dict[str, Any]:
    """Record ``health.change_snapshot`` for an intent; ``through_seq`` is the last decision
    event it accounts for, so the next sweep knows where to resume."""
    return _change_snapshot_append(change_health_snapshot(intent_id=intent_id), through_seq)


def _change_snapshot_append(snapshot: dict[str, Any], through_seq: int) -> dict[str, Any]:
    snapshot = {**snapshot, "through_seq": through_seq}
    event_append(
        event_type="health.change_snapshot",
        intent_id=snapshot["intent_id"],
        tenant_id=snapshot["tenant_id"],
        payload=snapshot,
    )
    return snapshot


def change_health_snapshots_record_pending() -> int:
    """One change-health snapshot per intent decided since the previous sweep.

    Runs on the beat, never inside a validation: decisions stay as fast as the git floor
    allows, and an intent decided many times between sweeps gets one snapshot.
    """
    latest = latest_payload(event_type="health.change_snapshot")
    resume = (latest or {}).get("through_seq", 0)
    decided = intents_latest_seq(event_type=CHANGE_DECISIONS, after_seq=resume)
    count = 0
    for start in range(0, len(decided), SWEEP_BATCH):
        batch = decided[start : start + SWEEP_BATCH]
        snapshots = change_health_snapshots([intent_id for intent_id, _ in batch])
        for intent_id, through_seq in batch:
            if intent_id in snapshots:
                _change_snapshot_append(snapshots[intent_id], through_seq)
                count += 1
    return count


def snapshots_record_all(*, now: datetime | None = None) -> dict[str, Any]:
    """Health and debt snapshots for everything and for each tenant with active intents, each
    recorded only when its value changed since the last one (``health``/``debt``: recorded)."""
    now = now or timezone.now()
    tenants = sorted(
        tenant
        for tenant in active_intents(None).order_by().values_list("tenant_id", flat=True).distinct()
        if tenant is not None
    )
    recorded = []
    for tenant_id in [None, *tenants]:
        health = repo_health_snapshot(tenant_id=tenant_id, now=now)
        entry = {
            "tenant_id": tenant_id,
            "health": _snapshot_append("health.snapshot", tenant_id, health, if_changed=True),
            "debt": False,
        }
        if debt_enabled():
            debt = debt_compute(tenant_id=tenant_id, now=now)
            entry["debt"] = _snapshot_append(
                "verification.debt.snapshot", tenant_id, debt, if_changed=True
            )
        recorded.append(entry)
    return {"snapshots": recorded, "change_snapshots": change_health_snapshots_record_pending()}


def compliance_thresholds_set(
    *, tenant_id: str, data: dict[str, Any], actor: str
) -> dict[str, Any]:
    """Replace a tenant's thresholds (canonical keys, validated).

    Records ``compliance.thresholds_updated`` with the stored thresholds.
    """
    if not tenant_id:
        raise InvalidInput("tenant_id required", field="tenant_id")
    cleaned = validate_thresholds(data)
    with transaction.atomic():
        TenantComplianceThresholds.objects.update_or_create(
            tenant_id=tenant_id, defaults={"data": cleaned, "updated_by": actor}
        )
        event_append(
            event_type="compliance.thresholds_updated",
            tenant_id=tenant_id,
            agent_id=actor,
            payload=cleaned,
        )
    return {"ok": True, "tenant_id": tenant_id}
