"""What ``risk review`` (``CONVERGE_RISK_REVIEW_DETAILS``) and the summary
(``CONVERGE_SUMMARY_SECTIONS``) show from the read models."""

from __future__ import annotations

from typing import Any

from insights.compliance import compliance_report
from insights.health import repo_health_snapshot


def risk_review_compliance(*, intent_id: str, tenant_id: str | None) -> dict[str, Any]:
    """The compliance report of the intent's tenant (every tenant for an intent without one)."""
    return {"compliance": compliance_report(tenant_id=tenant_id)}


def summary_health(*, tenant_id: str | None) -> dict[str, Any]:
    """The repo health section of ``GET /v1/summary`` (``CONVERGE_SUMMARY_SECTIONS``)."""
    return {"health": repo_health_snapshot(tenant_id=tenant_id)}
