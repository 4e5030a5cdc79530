"""The review backlog hook (``CONVERGE_REVIEW_BACKLOG_HOOKS``): throttle intake while reviews
pile up, and lift the sweep's throttle once they no longer do (decisions §20)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from intake.models import IntakeOverride
from intake.services import intake_sweep_lift, intake_sweep_throttle


def review_backlog_throttle(
    *, backlogs: Mapping[str, int], limit: int, actor: str
) -> list[dict[str, Any]]:
    changes = []
    for key in sorted(backlogs):
        if backlogs[key] > limit:
            change = intake_sweep_throttle(
                tenant_id=key or None, backlog=backlogs[key], limit=limit, actor=actor
            )
            if change is not None:
                changes.append(change)
    swept = IntakeOverride.objects.filter(set_by_sweep=True).values_list("tenant_id", flat=True)
    for key in sorted(swept):
        if backlogs.get(key, 0) <= limit:
            change = intake_sweep_lift(
                tenant_id=key or None, backlog=backlogs.get(key, 0), actor=actor
            )
            if change is not None:
                changes.append(change)
    return changes
