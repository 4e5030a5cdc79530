"""Services of the intake app: intake modes, snapshots and compliance thresholds.

Each change and its event are written in one transaction. An operator's mode always wins; the
review sweep only sets a throttle where no override exists and only lifts the throttles it set.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from converge_core.compliance import validate_thresholds
from converge_core.errors import InvalidInput
from converge_core.fingerprint import value_changed
from converge_core.intake import AUTO, IntakeMode, clean_mode
from intake.models import IntakeOverride, TenantComplianceThresholds
from intake.projections.debt import debt_compute, debt_enabled
from intake.projections.events import active_intents
from intake.projections.health import change_health_snapshot, repo_health_snapshot
from intents.eventlog import event_append
from intents.models import Event
from notifications import notify

INTAKE_CHANNEL = "intake"
# Decisions that change an intent's health (holds and skips repeat every queue cycle).
CHANGE_DECISIONS = ("intent.validated", "intent.blocked", "intent.merged", "intent.rejected")


def _tenant_key(tenant_id: str | None) -> str:
    return tenant_id or ""


def _record_mode_change(payload: dict[str, Any], tenant_key: str, actor: str) -> None:
    tenant = tenant_key or None
    event_append(
        event_type="intake.mode_changed", tenant_id=tenant, agent_id=actor, payload=payload
    )
    notify(
        "intake.mode_changed",
        {**payload, "tenant_id": tenant},
        channel=INTAKE_CHANNEL,
        tenant_id=tenant,
    )


def intake_mode_set(
    *, mode: str, tenant_id: str | None = None, reason: str = "", actor: str
) -> dict[str, Any]:
    """An operator's mode for a tenant (``None`` = every tenant without its own).

    ``open``/``throttle``/``pause`` store the override (replacing any, the sweep's included);
    ``auto`` removes it so the computed mode applies again. Records ``intake.mode_changed``.
    """
    mode = clean_mode(mode)
    key = _tenant_key(tenant_id)
    with transaction.atomic():
        if mode == AUTO:
            deleted, _ = IntakeOverride.objects.filter(tenant_id=key).delete()
            payload = {
                "mode": AUTO,
                "previous_override": bool(deleted),
                "set_by": actor,
                "reason": reason or "manual override cleared",
            }
        else:
            IntakeOverride.objects.update_or_create(
                tenant_id=key,
                defaults={
                    "mode": mode,
                    "reason": reason,
                    "set_by": actor,
                    "set_by_sweep": False,
                    "set_at": timezone.now(),
                },
            )
            payload = {
                "mode": mode,
                "set_by": actor,
                "reason": reason or f"manual override to {mode}",
            }
        _record_mode_change(payload, key, actor)
    return {"ok": True, "mode": mode, "tenant_id": tenant_id}


def intake_sweep_throttle(
    *, tenant_id: str | None, backlog: int, limit: int, actor: str
) -> dict[str, Any] | None:
    """Throttle a tenant for its review backlog, unless any override already applies to it."""
    key = _tenant_key(tenant_id)
    reason = f"review_backlog: {backlog} pending or assigned reviews > {limit}"
    with transaction.atomic():
        # get_or_create leaves an existing override alone, an operator's landing first included.
        _, created = IntakeOverride.objects.get_or_create(
            tenant_id=key,
            defaults={
                "mode": IntakeMode.THROTTLE,
                "reason": reason,
                "set_by": actor,
                "set_by_sweep": True,
                "set_at": timezone.now(),
            },
        )
        if not created:
            return None
        payload = {
            "mode": str(IntakeMode.THROTTLE),
            "set_by": actor,
            "reason": reason,
            "set_by_sweep": True,
        }
        _record_mode_change(payload, key, actor)
    return {"tenant_id": tenant_id, "mode": str(IntakeMode.THROTTLE), "backlog": backlog}


def intake_sweep_lift(*, tenant_id: str | None, backlog: int, actor: str) -> dict[str, Any] | None:
    """Remove the sweep's throttle of a tenant (back to auto); an operator's stays."""
    key = _tenant_key(tenant_id)
    with transaction.atomic():
        deleted, _ = IntakeOverride.objects.filter(tenant_id=key, set_by_sweep=True).delete()
        if not deleted:
            return None
        payload = {
            "mode": AUTO,
            "previous_override": True,
            "set_by": actor,
            "reason": f"review_backlog cleared: {backlog} pending or assigned reviews",
            "set_by_sweep": True,
        }
        _record_mode_change(payload, key, actor)
    return {"tenant_id": tenant_id, "mode": AUTO, "backlog": backlog}


def _latest_snapshot(event_type: str, tenant_id: str | None) -> dict[str, Any] | None:
    events = Event.objects.filter(event_type=event_type)
    events = (
        events.filter(tenant_id__isnull=True)
        if tenant_id is None
        else events.filter(tenant_id=tenant_id)
    )
    return events.order_by("-timestamp", "-seq").values_list("payload", flat=True).first()


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
    snapshot = {**change_health_snapshot(intent_id=intent_id), "through_seq": through_seq}
    event_append(
        event_type="health.change_snapshot",
        intent_id=intent_id,
        tenant_id=snapshot["tenant_id"],
        payload=snapshot,
    )
    return snapshot


def change_health_snapshots_record_pending() -> int:
    """One change-health snapshot per intent decided since the previous sweep.

    Runs on the beat, never inside a validation: decisions stay as fast as the git floor
    allows, and an intent decided many times between sweeps gets one snapshot.
    """
    latest = (
        Event.objects.filter(event_type="health.change_snapshot")
        .order_by("-seq")
        .values_list("payload", flat=True)
        .first()
    )
    resume = (latest or {}).get("through_seq", 0)
    decided = (
        Event.objects.filter(
            seq__gt=resume, event_type__in=CHANGE_DECISIONS, intent_id__isnull=False
        )
        .values("intent_id")
        .annotate(last=Max("seq"))
        .order_by("last")
    )
    count = 0
    for row in decided:
        change_health_snapshot_record(intent_id=row["intent_id"], through_seq=row["last"])
        count += 1
    return count


def snapshots_record_all(*, now: datetime | None = None) -> dict[str, Any]:
    """Health and debt snapshots for everything and for each tenant with active intents, each
    recorded only when its value changed since the last one (``health``/``debt``: recorded)."""
    now = now or timezone.now()
    tenants = sorted(
        active_intents(None)
        .exclude(tenant_id__isnull=True)
        .order_by()
        .values_list("tenant_id", flat=True)
        .distinct()
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
