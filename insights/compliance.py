"""The compliance report over a rolling window, its alerts and the stored thresholds."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from converge_core.audit import format_timestamp
from converge_core.compliance import compliance_checks, effective_thresholds
from converge_core.semantic import escalation_alert
from insights.debt import debt_compute, debt_enabled
from insights.events import active_intents, simulation_counts
from insights.models import TenantComplianceThresholds
from ledger.selectors import EventWindow, event_count
from semantic.selectors import overdue_conflicts


def stored_thresholds(tenant_id: str | None) -> dict[str, Any] | None:
    if tenant_id is None:
        return None
    row = TenantComplianceThresholds.objects.filter(tenant_id=tenant_id).first()
    return None if row is None else dict(row.data)


def compliance_report(
    *, tenant_id: str | None = None, now: datetime | None = None
) -> dict[str, Any]:
    """Checks of the last ``CONVERGE_COMPLIANCE_WINDOW_DAYS`` days against the thresholds.

    ``mergeable_rate`` and ``retries_total`` (``queue.reset`` + ``intent.requeued``) cover the
    window, ``queue_tracked`` counts the active intents, ``debt_score`` is the live debt (not
    checked while verification debt is disabled). More than 5 semantic conflicts open for
    over 24 hours raise an alert of their own (the runbook's "Escalate if").
    """
    now = now or timezone.now()
    days = settings.CONVERGE_COMPLIANCE_WINDOW_DAYS
    window: EventWindow = {
        "tenant_id": tenant_id,
        "since": now - timedelta(days=days),
        "until": now,
    }
    total, mergeable = simulation_counts(**window)
    mergeable_rate = round(mergeable / total, 3) if total else 1.0
    values: dict[str, Any] = {
        "mergeable_rate": mergeable_rate,
        "conflict_rate": round(1 - mergeable_rate, 3),
        "retries_total": event_count(event_type=["queue.reset", "intent.requeued"], **window),
        "queue_tracked": active_intents(tenant_id).count(),
        "debt_score": debt_compute(tenant_id=tenant_id, now=now)["debt_score"]
        if debt_enabled()
        else None,
    }
    thresholds = effective_thresholds(stored_thresholds(tenant_id))
    checks, alerts = compliance_checks(values, thresholds)
    overdue = overdue_conflicts(tenant_id=tenant_id, now=now)
    semantic_alert = escalation_alert(overdue)
    if semantic_alert is not None:
        alerts.append(semantic_alert)
    return {
        **values,
        "semantic_conflicts_overdue": overdue,
        "checks": checks,
        "passed": all(check["passed"] for check in checks) and semantic_alert is None,
        "alerts": alerts,
        "thresholds": thresholds,
        "window_days": days,
        "timestamp": format_timestamp(now),
        "tenant_id": tenant_id,
    }


def compliance_alerts(*, tenant_id: str | None = None) -> dict[str, Any]:
    report = compliance_report(tenant_id=tenant_id)
    return {"alerts": report["alerts"], "passed": report["passed"]}


def compliance_thresholds_get(*, tenant_id: str) -> dict[str, Any]:
    stored = stored_thresholds(tenant_id)
    if stored is None:
        return {"message": "No thresholds configured for this tenant"}
    return {**stored, "tenant_id": tenant_id}


def compliance_thresholds_list() -> list[dict[str, Any]]:
    return [
        {**row.data, "tenant_id": row.tenant_id}
        for row in TenantComplianceThresholds.objects.order_by("tenant_id")
    ]
