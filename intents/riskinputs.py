"""What risk scoring and the risk gate read about an intent."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any

from converge_core.risk import CouplingRecord, RiskEvaluation, RiskIntent, RiskSimulation
from converge_core.risk import evaluate_risk as score_risk
from intents.archaeology import coupling_of, latest_coupling
from intents.models import ArchaeologySnapshot, Intent, TenantRiskPolicy


def score_intent(
    intent: Intent,
    simulation: RiskSimulation,
    *,
    version: int,
    coupling: tuple[CouplingRecord, ...] | None = None,
) -> RiskEvaluation:
    """Score ``intent`` with the coupling of its repository's latest history snapshot (or
    ``coupling``, when the caller looked the snapshot up); the contextual bonus uses the
    declared level so re-validation cannot feed on itself."""
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
        latest_coupling(intent.repository) if coupling is None else coupling,
        version=version,
        declared_level=intent.declared_risk_level,
    )


@lru_cache(maxsize=64)
def snapshot_coupling(snapshot_id: int, created_at: datetime) -> tuple[CouplingRecord, ...]:
    """The coupling of one history snapshot. A snapshot is written once, so its coupling is
    read once per process; the creation time keeps a reused id from answering for another
    snapshot."""
    report = (
        ArchaeologySnapshot.objects.filter(pk=snapshot_id, created_at=created_at)
        .values_list("report", flat=True)
        .first()
    )
    return coupling_of(report)


def tenant_risk_policy(tenant_id: str | None) -> dict[str, Any] | None:
    """The tenant's stored risk-gate policy, if any."""
    if tenant_id is None:
        return None
    return (
        TenantRiskPolicy.objects.filter(tenant_id=tenant_id).values_list("data", flat=True).first()
    )
