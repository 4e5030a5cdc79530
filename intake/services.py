"""Services of the intake app: intake modes.

Each change and its event are written in one transaction. An operator's mode always wins; the
review sweep only sets a throttle where no override exists and only lifts the throttles it set.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from converge_core.intake import AUTO, IntakeMode, clean_mode
from intake.models import IntakeOverride
from ledger.append import event_append
from notifications.dispatch import notify

INTAKE_CHANNEL = "intake"


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
