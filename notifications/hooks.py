"""After-decision hook: notify ``intent.validated|merged|rejected`` (CONVERGE_AFTER_DECISION)."""

from __future__ import annotations

from converge_core.hooks import Decision
from notifications.dispatch import notify

NOTIFIED_DECISIONS = frozenset({"validated", "merged", "rejected"})


def notify_decision(decision: Decision) -> None:
    if decision.decision not in NOTIFIED_DECISIONS:
        return
    notify(
        f"intent.{decision.decision}",
        {
            "intent_id": decision.intent_id,
            "decision": decision.decision,
            "trace_id": decision.trace_id,
        },
        intent_id=decision.intent_id,
        tenant_id=decision.tenant_id,
    )
