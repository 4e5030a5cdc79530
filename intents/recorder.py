"""Where a validation's events go: the log, or — for a dry run — nowhere but the result."""

from __future__ import annotations

from typing import Any

from intents.eventlog import event_append


class Recorder:
    """Appends a run's events under one trace id; a dry run only collects their types."""

    def __init__(
        self, *, intent_id: str, tenant_id: str | None, trace_id: str, dry_run: bool
    ) -> None:
        self.intent_id = intent_id
        self.tenant_id = tenant_id
        self.trace_id = trace_id
        self.dry_run = dry_run
        self.emitted: list[str] = []

    def emit(
        self, event_type: str, payload: dict[str, Any], evidence: dict[str, Any] | None = None
    ) -> None:
        self.emitted.append(event_type)
        if self.dry_run:
            return
        event_append(
            event_type=event_type,
            intent_id=self.intent_id,
            tenant_id=self.tenant_id,
            trace_id=self.trace_id,
            payload=payload,
            evidence=evidence,
        )
