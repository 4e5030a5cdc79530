"""Where a validation's events go: the log in one transaction at the end of the run, or —
for a dry run — nowhere but the result."""

from __future__ import annotations

from typing import Any

from ledger.append import event_append_many


class Recorder:
    """Collects a run's events under one trace id; ``flush`` appends them in order."""

    def __init__(
        self,
        *,
        intent_id: str,
        tenant_id: str | None,
        trace_id: str,
        dry_run: bool,
        agent_id: str | None = None,
    ) -> None:
        self.intent_id = intent_id
        self.tenant_id = tenant_id
        self.agent_id = agent_id
        self.trace_id = trace_id
        self.dry_run = dry_run
        self.pending: list[dict[str, Any]] = []

    def emit(
        self, event_type: str, payload: dict[str, Any], evidence: dict[str, Any] | None = None
    ) -> None:
        self.pending.append(
            {
                "event_type": event_type,
                "intent_id": self.intent_id,
                "tenant_id": self.tenant_id,
                "agent_id": self.agent_id,
                "trace_id": self.trace_id,
                "payload": payload,
                "evidence": evidence,
            }
        )

    def flush(self) -> None:
        """Append what was emitted (inside the caller's transaction); a dry run drops it."""
        pending, self.pending = self.pending, []
        if not self.dry_run:
            event_append_many(pending)
