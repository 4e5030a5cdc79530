"""Reading the intake mode: the override in force, the signals and the computed mode."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Count
from django.utils import timezone

from converge_core.audit import format_timestamp
from converge_core.intake import IntakeConfig, IntakeMode, auto_mode, effective_score, intake_config
from insights.debt import debt_compute, debt_enabled
from insights.events import active_intents, intents_of
from insights.health import repo_health_snapshot
from intake.models import IntakeOverride
from intents.policyconfig import policy_config
from ledger.selectors import latest_by_tenant


def intake_settings() -> IntakeConfig:
    """The ``intake`` section of the policy in force (defaults when absent)."""
    return intake_config(policy_config().extra.get("intake"))


def override_in_force(tenant_id: str | None) -> IntakeOverride | None:
    """The tenant's own override, else the one for every tenant (``""``), else none."""
    keys = [tenant_id or ""]
    if tenant_id:
        keys.append("")
    rows = {row.tenant_id: row for row in IntakeOverride.objects.filter(tenant_id__in=keys)}
    return next((rows[key] for key in keys if key in rows), None)


def override_serialize(row: IntakeOverride) -> dict[str, Any]:
    return {
        "tenant_id": row.tenant_id,
        "mode": row.mode,
        "set_by": row.set_by,
        "set_at": format_timestamp(row.set_at),
        "reason": row.reason,
        "set_by_sweep": row.set_by_sweep,
    }


def intake_signals(
    *, tenant_id: str | None, config: IntakeConfig, now: datetime | None = None
) -> dict[str, Any]:
    """Health, debt (unless its flag is off) and queue counts; ``auto_mode`` is their verdict."""
    now = now or timezone.now()
    health = repo_health_snapshot(tenant_id=tenant_id, now=now)
    debt = debt_compute(tenant_id=tenant_id, now=now) if debt_enabled() else None
    debt_score = None if debt is None else debt["debt_score"]
    return {
        "health_score": health["repo_health_score"],
        "health_status": health["status"],
        "debt_score": debt_score,
        "debt_status": "disabled" if debt is None else debt["status"],
        "effective_score": effective_score(health["repo_health_score"], debt_score),
        "queue_total": intents_of(tenant_id).count(),
        "queue_pending": active_intents(tenant_id).count(),
        "conflict_rate": health["conflict_rate"],
        "pause_threshold": config.pause_below_health,
        "throttle_threshold": config.throttle_below_health,
        "auto_mode": str(auto_mode(health["repo_health_score"], debt_score, config)),
    }


def intake_status(*, tenant_id: str | None = None) -> dict[str, Any]:
    """The mode in force for a tenant, why, and the signals behind the automatic mode."""
    config = intake_settings()
    signals = intake_signals(tenant_id=tenant_id, config=config)
    override = override_in_force(tenant_id)
    return {
        "mode": override.mode if override is not None else signals["auto_mode"],
        "auto_mode": signals["auto_mode"],
        "manual_override": override is not None,
        "override": None if override is None else override_serialize(override),
        "signals": signals,
        "config": config.as_dict(),
        "tenant_id": tenant_id,
    }


def intake_mode(*, tenant_id: str | None = None) -> IntakeMode:
    """Just the mode in force (the computed one only when no override applies)."""
    override = override_in_force(tenant_id)
    if override is not None:
        return IntakeMode(override.mode)
    return IntakeMode(intake_status(tenant_id=tenant_id)["auto_mode"])


def intake_tenants() -> list[str | None]:
    """Tenants the console lists: everyone (``None``), overridden tenants and intents' tenants."""
    tenants = set(IntakeOverride.objects.exclude(tenant_id="").values_list("tenant_id", flat=True))
    tenants |= {
        tenant
        for tenant in intents_of(None).order_by().values_list("tenant_id", flat=True).distinct()
        if tenant is not None
    }
    return [None, *sorted(tenants)]


def _override_of(tenant_id: str | None, overrides: dict[str, IntakeOverride]) -> Any:
    own = overrides.get(tenant_id or "")
    return own if own is not None or not tenant_id else overrides.get("")


# tenants without a snapshot yet whose signals the console computes now (the rest wait for
# the beat's next snapshot), so the page's cost stays bounded however many tenants there are
LIVE_LIMIT = 5


def _snapshot_signals(health_event: Any, debt_event: Any, config: IntakeConfig) -> dict[str, Any]:
    health_score = health_event.payload.get("repo_health_score")
    debt_score = debt_event.payload.get("debt_score") if debt_event else None
    return {
        "health_score": health_score,
        "health_status": health_event.payload.get("status"),
        "debt_score": debt_score,
        "debt_status": debt_event.payload.get("status") if debt_event else "disabled",
        "auto_mode": str(auto_mode(float(health_score), debt_score, config)),
        "snapshot_at": health_event.timestamp,
    }


def intake_overview() -> list[dict[str, Any]]:
    """The console's intake page: every tenant's mode with the health and debt behind it.

    A bounded number of queries however many tenants there are: a tenant's signals are its
    latest recorded snapshots (the beat records them every 5 minutes); the row for every
    tenant (``None``) and up to :data:`LIVE_LIMIT` tenants without a snapshot yet are
    computed now, as ``intake status`` does.
    """
    config = intake_settings()
    tenants = intake_tenants()
    overrides = {row.tenant_id: row for row in IntakeOverride.objects.all()}
    health = latest_by_tenant(event_type="health.snapshot")
    debt = latest_by_tenant(event_type="verification.debt.snapshot")
    pending = dict(
        active_intents(None)
        .order_by()
        .values_list("tenant_id")
        .annotate(count=Count("pk"))
        .values_list("tenant_id", "count")
    )
    live_left = LIVE_LIMIT
    rows = []
    for tenant in tenants:
        override = _override_of(tenant, overrides)
        signals: dict[str, Any]
        if tenant is not None and tenant in health:
            signals = _snapshot_signals(health[tenant], debt.get(tenant), config)
        elif tenant is None or live_left > 0:
            live_left -= tenant is not None
            signals = {**intake_signals(tenant_id=tenant, config=config), "snapshot_at": None}
        else:
            signals = {"auto_mode": None, "snapshot_at": None}
        rows.append(
            {
                "tenant_id": tenant,
                "mode": override.mode if override is not None else signals["auto_mode"],
                "auto_mode": signals["auto_mode"],
                "manual_override": override is not None,
                "override": None if override is None else override_serialize(override),
                "health_score": signals.get("health_score"),
                "health_status": signals.get("health_status"),
                "debt_score": signals.get("debt_score"),
                "debt_status": signals.get("debt_status"),
                "queue_pending": pending.get(tenant, 0)
                if tenant is not None
                else sum(pending.values()),
                "snapshot_at": signals["snapshot_at"],
            }
        )
    return rows
