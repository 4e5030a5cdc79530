"""Risk operations outside validation: explicit evaluation, the shadow gate, reports,
reviews, per-tenant risk policies and calibration."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from converge_core.audit import format_timestamp
from converge_core.errors import InvalidInput
from converge_core.policy import (
    calibrate,
    evaluate_risk_gate,
    resolve_risk_limits,
    validate_tenant_risk_policy,
)
from converge_core.risk import RiskSimulation, build_diagnostics
from intents.hooks import intent_details, risk_review_details
from intents.models import TenantRiskPolicy
from intents.policyconfig import policy_config
from intents.riskinputs import score_intent, tenant_risk_policy
from intents.selectors import intent_get
from intents.serialization import intent_serialize
from ledger.append import event_append
from ledger.selectors import event_feed, latest_payload
from ledger.serialization import event_serialize

REPORT_WINDOW = 10_000


def risk_evaluate(*, intent_id: str, tenant_id: str | None = None) -> dict[str, Any]:
    """Score an intent from its latest simulation (a clean, empty one when none exists)."""
    intent = intent_get(intent_id, tenant_id=tenant_id)
    simulation = latest_payload(intent_id=intent.id, event_type="simulation.completed")
    evaluation = score_intent(
        intent,
        RiskSimulation.from_payload(simulation or {"mergeable": True}),
        version=policy_config().risk.scoring_version,
    )
    event = event_append(
        event_type="risk.evaluated",
        intent_id=intent.id,
        tenant_id=intent.tenant_id,
        payload=evaluation.to_payload(),
        evidence=evaluation.evidence(),
    )
    return {**evaluation.to_payload(), "trace_id": event.trace_id}


def risk_shadow(*, intent_id: str, tenant_id: str | None = None) -> dict[str, Any]:
    """The risk gate in shadow mode over the latest evaluation (``risk.shadow_evaluated``)."""
    intent = intent_get(intent_id, tenant_id=tenant_id)
    payload = latest_payload(intent_id=intent.id, event_type="risk.evaluated")
    if payload is None:
        raise InvalidInput("No risk evaluation found. Run 'converge risk eval' first.")
    limits = resolve_risk_limits(tenant_risk_policy(intent.tenant_id), policy_config())
    shadow = replace(limits, mode="shadow")
    result = {**evaluate_risk_gate(payload, shadow, None).to_dict(), "intent_id": intent.id}
    event_append(
        event_type="risk.shadow_evaluated",
        intent_id=intent.id,
        tenant_id=intent.tenant_id,
        payload=result,
    )
    return result


def risk_gate_report(*, tenant_id: str | None = None) -> dict[str, Any]:
    """Policy verdicts and risk-gate outcomes over the latest policy evaluations."""
    events = event_feed(event_type="policy.evaluated", tenant_id=tenant_id)
    total = blocked = would_block = enforced = 0
    recent_blocks: list[dict[str, Any]] = []
    for event in events[:REPORT_WINDOW].iterator(chunk_size=1000):
        total += 1
        if event.payload.get("verdict") == "BLOCK":
            blocked += 1
            if len(recent_blocks) < 20:
                recent_blocks.append(event_serialize(event))
        risk_gate = next((g for g in event.payload.get("gates", []) if g["gate"] == "risk"), None)
        if risk_gate is not None and risk_gate.get("value", 0) > 0:
            would_block += 1
            enforced += 0 if risk_gate["passed"] else 1
    return {
        "total_evaluations": total,
        "total_blocked": blocked,
        "block_rate": round(blocked / max(total, 1), 3),
        "risk_gate": {"would_block": would_block, "enforced": enforced},
        "recent_blocks": recent_blocks,
    }


def risk_review(*, intent_id: str, tenant_id: str | None = None) -> dict[str, Any]:
    """Everything known about an intent's risk, with stored diagnostics and its history, plus
    the sections higher apps add (``CONVERGE_RISK_REVIEW_DETAILS``: the tenant's compliance)."""
    intent = intent_get(intent_id, tenant_id=tenant_id)
    risk = latest_payload(intent_id=intent.id, event_type="risk.evaluated")
    simulation = latest_payload(intent_id=intent.id, event_type="simulation.completed")
    history = event_feed(intent_id=intent.id)[:50]
    review: dict[str, Any] = {
        "intent_id": intent.id,
        "intent": intent_serialize(intent),
        "risk": risk,
        "simulation": simulation,
        "policy": latest_payload(intent_id=intent.id, event_type="policy.evaluated"),
        "diagnostics": (risk.get("diagnostics") or build_diagnostics(risk, simulation))
        if risk
        else [],
        "decision_history": [
            {
                "event_type": e.event_type,
                "timestamp": format_timestamp(e.timestamp),
                "payload": e.payload,
            }
            for e in history
        ],
        "timestamp": format_timestamp(timezone.now()),
        "tenant_id": intent.tenant_id,
    }
    if risk is not None:
        review["learning"] = _review_learning(review["diagnostics"], risk)
    for details in intent_details():
        review.update(details(intent.id))
    for section in risk_review_details():
        review.update(section(intent_id=intent.id, tenant_id=intent.tenant_id))
    return review


def _review_learning(diagnostics: list[dict[str, Any]], risk: dict[str, Any]) -> dict[str, Any]:
    lessons = []
    critical = [d["explanation"] for d in diagnostics if d.get("severity") == "critical"]
    if critical:
        lessons.append(
            {
                "code": "learn.critical_diagnostics",
                "priority": 0,
                "title": "Critical diagnostics",
                "action": "; ".join(critical[:3]),
            }
        )
    if risk.get("risk_score", 0) > 50:
        lessons.append(
            {
                "code": "learn.review_risk",
                "priority": 1,
                "title": "High risk score",
                "action": "Review impact graph and consider narrowing scope",
            }
        )
    return {
        "summary": f"Review: {len(lessons)} actionable lesson(s)",
        "lessons": lessons,
        "next_actions": [lesson["action"] for lesson in lessons[:3]],
    }


def risk_policy_set(*, tenant_id: str, data: dict[str, Any], actor: str) -> dict[str, Any]:
    """Replace a tenant's risk policy wholesale (version + 1) and record it."""
    if not tenant_id:
        raise InvalidInput("tenant_id required", field="tenant_id")
    cleaned = validate_tenant_risk_policy(data)
    with transaction.atomic():
        updated = TenantRiskPolicy.objects.filter(tenant_id=tenant_id).update(
            data=cleaned, version=F("version") + 1, updated_by=actor, updated_at=timezone.now()
        )
        if not updated:
            TenantRiskPolicy.objects.create(tenant_id=tenant_id, data=cleaned, updated_by=actor)
        event_append(
            event_type="risk.policy_updated", tenant_id=tenant_id, agent_id=actor, payload=cleaned
        )
    return {"ok": True, "tenant_id": tenant_id}


def risk_policy_get(*, tenant_id: str) -> dict[str, Any]:
    policy = TenantRiskPolicy.objects.filter(tenant_id=tenant_id).first()
    if policy is None:
        return {"message": "No risk policy configured for this tenant"}
    return {**policy.data, "tenant_id": policy.tenant_id, "version": policy.version}


def risk_policy_list() -> list[dict[str, Any]]:
    return [
        {**policy.data, "tenant_id": policy.tenant_id, "version": policy.version}
        for policy in TenantRiskPolicy.objects.order_by("tenant_id")
    ]


def policy_calibrate(
    *, output: str | None = None, tenant_id: str | None = None, min_samples: int = 30
) -> dict[str, Any]:
    """Entropy budgets from the latest evaluation of each intent, written to a file."""
    events = event_feed(
        event_type="risk.evaluated", with_intent=True, tenant_id=tenant_id, oldest_first=True
    )
    latest: dict[str, float] = {}
    for intent_id, payload in events.values_list("intent_id", "payload")[:REPORT_WINDOW]:
        if intent_id is not None:
            latest[intent_id] = payload.get("entropy_score", 0.0)
    result = calibrate(latest.values(), policy_config().profiles, min_samples=min_samples)
    path = Path(output) if output else Path(settings.CONVERGE_HOME) / "calibrated_profiles.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result["calibrated_profiles"], indent=2) + "\n")
    result.update(
        timestamp=format_timestamp(timezone.now()), output_path=str(path), tenant_id=tenant_id
    )
    event_append(
        event_type="calibration.completed",
        tenant_id=tenant_id,
        payload=result,
        evidence={"data_points": result["data_points"]},
    )
    return result
