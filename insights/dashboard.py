"""The dashboard: the other read models of one tenant composed into one answer (security: the
open findings by severity and the latest scans)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone

from insights.compliance import compliance_report
from insights.debt import debt_compute, debt_enabled
from insights.health import repo_health_snapshot
from insights.metrics import integration_metrics
from insights.predictions import issue_predictions_read
from insights.trends import risk_trend
from intents.api.selectors import queue_state
from security.selectors import security_summary

RISK_TREND_POINTS = 50
COMPLIANCE_KEYS = ("passed", "alerts", "checks", "mergeable_rate", "conflict_rate")


def dashboard(
    *, tenant_id: str | None = None, risk_trend_days: int = 30, now: datetime | None = None
) -> dict[str, Any]:
    """Health, queue, compliance, debt (``None`` while its flag is off), the latest risk
    evaluations, issue predictions and integration metrics."""
    now = now or timezone.now()
    report = compliance_report(tenant_id=tenant_id, now=now)
    return {
        "health": repo_health_snapshot(tenant_id=tenant_id, now=now),
        "queue": queue_state(tenant_id=tenant_id),
        "compliance": {key: report[key] for key in COMPLIANCE_KEYS},
        "debt": debt_compute(tenant_id=tenant_id, now=now) if debt_enabled() else None,
        "security": security_summary(tenant_id=tenant_id),
        "risk_trend": risk_trend(
            tenant_id=tenant_id, days=risk_trend_days, limit=RISK_TREND_POINTS, now=now
        ),
        "predictions": issue_predictions_read(tenant_id=tenant_id, now=now),
        "metrics": integration_metrics(tenant_id=tenant_id, now=now),
    }


def dashboard_alerts(
    *, tenant_id: str | None = None, now: datetime | None = None
) -> dict[str, Any]:
    """Failing compliance checks and issue predictions as one list, each marked with its
    ``source``."""
    now = now or timezone.now()
    report = compliance_report(tenant_id=tenant_id, now=now)
    alerts = [{**alert, "source": "compliance"} for alert in report["alerts"]]
    alerts += [
        {**prediction, "source": "prediction"}
        for prediction in issue_predictions_read(tenant_id=tenant_id, now=now)
    ]
    return {"compliance_passed": report["passed"], "alerts": alerts, "total": len(alerts)}
