"""Reading the intake mode: the override in force, the signals and the computed mode."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone

from converge_core.audit import format_timestamp
from converge_core.intake import IntakeConfig, IntakeMode, auto_mode, effective_score, intake_config
from insights.debt import debt_compute, debt_enabled
from insights.events import active_intents, intents_of
from insights.health import repo_health_snapshot
from intake.models import IntakeOverride
from intents.policyconfig import policy_config


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
