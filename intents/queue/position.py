"""Where each queued intent stands and when it should merge.

Positions follow the order the queue walks (``intents.queue.controls.in_queue_order`` and the
dependency order); the ETA is ``converge_core.queuetime.eta_seconds`` over rates measured from
the ledger's last 24 hours of the target (at most ``RATE_SAMPLE`` batch tests and one count of
merges). A paused or frozen queue shows why and gives no ETA. An intent no longer in the queue
carries the reason it left (its last decision).
"""

from __future__ import annotations

from datetime import timedelta
from statistics import fmean
from typing import Any

from django.utils import timezone

from converge_core.audit import format_timestamp
from converge_core.queue import Candidate, order_batch
from converge_core.queuetime import QueueRates, effective_priority, eta_seconds
from converge_core.states import QUEUEABLE, Status
from intents.models import Intent, Repository
from intents.policyconfig import policy_config
from intents.queue.controls import (
    in_queue_order,
    jumped_ids,
    merge_hold,
    queue_window,
)
from ledger.selectors import event_count, event_payloads, latest_event

RATE_WINDOW = timedelta(hours=24)
RATE_SAMPLE = 200
LEFT_EVENTS = (
    "intent.merged",
    "intent.rejected",
    "intent.requeued",
    "intent.merge_failed",
    "intent.blocked",
)


def queue_rates(repository: Repository, target: str) -> QueueRates:
    """Measured over the last 24 h: mean tree-test duration, share of red batches, merges."""
    since = timezone.now() - RATE_WINDOW
    where = {"repository": repository.name, "target": target}
    tests = event_payloads(
        limit=RATE_SAMPLE, event_type="queue.batch_tested", since=since, payload=where
    )
    batches = [test for test in tests if not test.get("bisecting")]
    merges = event_count(event_type="intent.merged", since=since, payload={"target": target})
    return QueueRates(
        window=queue_window(repository, target),
        check_seconds=fmean(t["duration_ms"] for t in tests) / 1000 if tests else None,
        red_share=(
            sum(1 for t in batches if t["outcome"] == "failed") / len(batches) if batches else 0.0
        ),
        merges_per_hour=merges / 24 if merges else None,
    )


def _ordered(repository: Repository, target: str) -> tuple[list[Intent], set[str]]:
    intents = list(
        Intent.objects.filter(repository=repository, target=target, status__in=QUEUEABLE)
    )
    jumped = jumped_ids([intent.id for intent in intents])
    intents = in_queue_order(intents, jumped)
    by_id = {intent.id: intent for intent in intents}
    ordered = order_batch(
        [
            Candidate(i.id, i.priority, tuple(i.dependencies), i.retries, i.tenant_id)
            for i in intents
        ]
    )
    return [by_id[candidate.intent_id] for candidate in ordered], jumped


def queue_positions(
    *, repository: Repository, target: str, tenant_id: str | None = None
) -> dict[str, Any]:
    """The queue of ``target`` as ``GET /v1/queue`` shows it (a bound tenant sees its own
    intents, at their positions in the whole queue)."""
    ordered, jumped = _ordered(repository, target)
    hold = merge_hold(repository, target)
    rates = queue_rates(repository, target)
    now = timezone.now()
    aging = policy_config().queue.aging_minutes
    rows = []
    for position, intent in enumerate(ordered, start=1):
        if tenant_id is not None and intent.tenant_id != tenant_id:
            continue
        eta = None if hold is not None and hold.total else eta_seconds(position, rates)
        waited = (now - intent.created_at).total_seconds()
        rows.append(
            {
                "intent_id": intent.id,
                "position": position,
                "status": intent.status,
                "priority": intent.priority,
                "effective_priority": effective_priority(intent.priority, waited, aging),
                "jumped": intent.id in jumped,
                "eta_seconds": None if eta is None else round(eta, 1),
                "eta": None if eta is None else format_timestamp(now + timedelta(seconds=eta)),
            }
        )
    return {
        "repository": repository.name,
        "target": target,
        "length": len(ordered),
        "window": rates.window,
        "held": hold.to_dict(target) if hold is not None else None,
        "rates": {
            "check_seconds": rates.check_seconds,
            "red_share": rates.red_share,
            "merges_per_hour": rates.merges_per_hour,
        },
        "intents": rows,
    }


def queue_list(*, repository: Repository, tenant_id: str | None = None) -> dict[str, Any]:
    """Every target with queued intents (or a pause), with positions."""
    targets = set(
        Intent.objects.filter(repository=repository, status__in=QUEUEABLE).values_list(
            "target", flat=True
        )
    )
    targets |= set(repository.queues.filter(paused=True).values_list("target", flat=True))
    return {
        "queues": [
            queue_positions(repository=repository, target=target, tenant_id=tenant_id)
            for target in sorted(targets)
        ]
    }


def intent_queue_position(intent: Intent) -> dict[str, Any]:
    """One intent's place in its queue, or why it is not in it."""
    if intent.status not in QUEUEABLE:
        last = latest_event(intent_id=intent.id, event_type=LEFT_EVENTS)
        reason = None
        if last is not None:
            reason = last.payload.get("reason") or last.payload.get("error")
        if reason is None:
            reason = (
                "merged"
                if intent.status == Status.MERGED
                else f"{intent.status}: not validated for the queue yet"
            )
        return {"in_queue": False, "status": intent.status, "reason": reason}
    queue = queue_positions(repository=intent.repository, target=intent.target)
    row = next(row for row in queue["intents"] if row["intent_id"] == intent.id)
    return {
        "in_queue": True,
        "target": intent.target,
        "position": row["position"],
        "of": queue["length"],
        "window": queue["window"],
        "eta_seconds": row["eta_seconds"],
        "eta": row["eta"],
        "jumped": row["jumped"],
        "effective_priority": row["effective_priority"],
        "held": queue["held"],
    }
