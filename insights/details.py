"""What ``risk review`` shows from the read models (``CONVERGE_RISK_REVIEW_DETAILS``)."""

from __future__ import annotations

from typing import Any

from insights.compliance import compliance_report


def risk_review_compliance(*, intent_id: str, tenant_id: str | None) -> dict[str, Any]:
    """The compliance report of the intent's tenant (every tenant for an intent without one)."""
    return {"compliance": compliance_report(tenant_id=tenant_id)}
