"""What risk scoring and the risk gate read about an intent."""

from __future__ import annotations

from typing import Any

from converge_core.risk import RiskEvaluation, RiskIntent, RiskSimulation
from converge_core.risk import evaluate_risk as score_risk
from intents.archaeology import latest_coupling
from intents.models import Intent, TenantRiskPolicy


def score_intent(intent: Intent, simulation: RiskSimulation, *, version: int) -> RiskEvaluation:
    """Score ``intent`` with the coupling of its repository's latest history snapshot; the
    contextual bonus uses the declared level so re-validation cannot feed on itself."""
    return score_risk(
        RiskIntent(
            id=intent.id,
            source=intent.source,
            target=intent.target,
            risk_level=intent.risk_level,
            dependencies=tuple(intent.dependencies),
            scope_hint=tuple(intent.technical.get("scope_hint") or ()),
            tenant_id=intent.tenant_id,
        ),
        simulation,
        latest_coupling(intent.repository),
        version=version,
        declared_level=intent.declared_risk_level,
    )


def tenant_risk_policy(tenant_id: str | None) -> dict[str, Any] | None:
    """The tenant's stored risk-gate policy, if any."""
    if tenant_id is None:
        return None
    return (
        TenantRiskPolicy.objects.filter(tenant_id=tenant_id).values_list("data", flat=True).first()
    )
