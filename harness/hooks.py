"""After a decision (``CONVERGE_AFTER_DECISION``): record the coherence evaluation the gate
made for it, and ask for a review when the verdict is ``warn`` or inconsistent (operations
§6.5 steps 3–5). A reused decision ran no gate, so it records nothing."""

from __future__ import annotations

from typing import Any

from converge_core import coherence as core
from converge_core.hooks import Decision
from converge_core.reviews import ReviewTrigger
from harness.gates import pending_take
from ledger.append import event_append
from reviews.services import review_request_automatic

COHERENCE_ACTOR = "coherence"


def coherence_record(decision: Decision) -> None:
    pending = pending_take(decision.trace_id)
    if pending is None:
        return
    evaluation = pending.evaluation
    common: dict[str, Any] = {
        "intent_id": pending.intent_id,
        "tenant_id": pending.tenant_id,
        "trace_id": decision.trace_id,
    }
    if evaluation.inconsistencies:
        event_append(
            event_type="coherence.inconsistency",
            payload={
                "inconsistencies": list(evaluation.inconsistencies),
                "coherence_score": evaluation.coherence_score,
                "risk_score": pending.risk_score,
            },
            **common,
        )
    event_append(
        event_type="coherence.evaluated",
        payload={
            "coherence_score": evaluation.coherence_score,
            "verdict": evaluation.verdict,
            "harness_version": evaluation.harness_version,
            "results_count": len(evaluation.results),
            "inconsistencies": list(evaluation.inconsistencies),
            "failed_questions": [
                result.question_id for result in evaluation.results if result.verdict != core.PASS
            ],
        },
        evidence={"verdict": evaluation.verdict},
        **common,
    )
    if evaluation.verdict == core.WARN or evaluation.inconsistencies:
        review_request_automatic(
            intent_id=pending.intent_id, trigger=ReviewTrigger.COHERENCE, actor=COHERENCE_ACTOR
        )
