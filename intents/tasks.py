"""Celery tasks of the merge queue: thin, idempotent, given ids; the services do the work.

Each beat tick runs two small dispatchers that fan out one task per READY intent to validate
and one per (repository, target) to process. A rerun of any task after a crash or a duplicate
delivery is harmless: claims and queue locks are compare-and-swap rows, merges are
compare-and-swap ref updates.
"""

from __future__ import annotations

import time
from typing import Any

from celery import shared_task
from django.conf import settings

from intents.queue.checkruns import check_run_execute
from intents.retention import audit_prune
from intents.worker import (
    queue_pairs,
    queue_process,
    ready_intent_validate,
    ready_intents_pending,
    worker_heartbeat,
    worker_holder,
)
from interfaces.taskpolicy import RETRY_POLICY
from interfaces.workerstate import stop_requested

# A queue task stops taking new intents after this many seconds and hands over to a follow-up,
# so one busy target never holds a worker slot for long; the hard limit covers the intent in
# flight (its checks may take CONVERGE_CHECK_TIMEOUT each).
QUEUE_RUN_BUDGET = 120.0
QUEUE_FOLLOW_UPS = 10


@shared_task(soft_time_limit=30, time_limit=60, **RETRY_POLICY)
def ready_intents_dispatch_task() -> int:
    """Fan out the first validation of the READY intents waiting for it (one batch)."""
    pending = ready_intents_pending(
        targets=settings.CONVERGE_WORKER_TARGETS, limit=settings.CONVERGE_WORKER_BATCH_SIZE
    )
    for intent_id in pending:
        intent_validate_task.apply_async(
            (intent_id,), expires=settings.CONVERGE_WORKER_POLL_INTERVAL
        )
    return len(pending)


@shared_task(bind=True, soft_time_limit=900, time_limit=960, **RETRY_POLICY)
def intent_validate_task(self: Any, intent_id: str) -> dict[str, Any]:
    """First validation of one READY intent (a no-op if another worker has it or did it)."""
    return ready_intent_validate(intent_id=intent_id, holder=worker_holder(self.request.hostname))


@shared_task(soft_time_limit=30, time_limit=60, **RETRY_POLICY)
def queue_dispatch_task() -> int:
    """Start one queue run per (repository, target) with candidates and a free lock."""
    pairs = queue_pairs(targets=settings.CONVERGE_WORKER_TARGETS)
    for repository_id, target in pairs:
        queue_process_task.apply_async(
            (repository_id, target), expires=settings.CONVERGE_WORKER_POLL_INTERVAL
        )
    return len(pairs)


@shared_task(bind=True, soft_time_limit=900, time_limit=960, **RETRY_POLICY)
def queue_process_task(
    self: Any, repository_id: int, target: str, follow_up: int = 0
) -> dict[str, Any]:
    """One single-flight queue run; returns at once when another worker holds the lock."""
    deadline = time.monotonic() + QUEUE_RUN_BUDGET
    outcome = queue_process(
        repository_id=repository_id,
        target=target,
        holder=worker_holder(self.request.hostname),
        should_stop=lambda: stop_requested() or time.monotonic() >= deadline,
    )
    more = outcome.get("full_batch") or (
        outcome["status"] == "done" and time.monotonic() >= deadline
    )
    if more and follow_up < QUEUE_FOLLOW_UPS and not stop_requested():
        self.apply_async(
            (repository_id, target),
            {"follow_up": follow_up + 1},
            expires=settings.CONVERGE_WORKER_POLL_INTERVAL,
        )
    return outcome


@shared_task(bind=True, soft_time_limit=900, time_limit=960, **RETRY_POLICY)
def check_run_task(self: Any, run_id: int) -> str | None:
    """One check on one merged tree, if no one has claimed it yet (the queue that asked for
    it runs it itself otherwise)."""
    return check_run_execute(run_id=run_id, holder=worker_holder(self.request.hostname))


@shared_task(bind=True, soft_time_limit=30, time_limit=60, **RETRY_POLICY)
def worker_heartbeat_task(self: Any) -> dict[str, Any]:
    """Refresh the worker-state row of whichever worker runs it (no event)."""
    return worker_heartbeat(node=self.request.hostname)


@shared_task(soft_time_limit=1800, time_limit=1860, **RETRY_POLICY)
def audit_prune_task(retention_days: int) -> dict[str, Any]:
    """Opt-in retention (CONVERGE_WORKER_PRUNE_INTERVAL_CYCLES): checkpointed, audit-safe."""
    return audit_prune(retention_days=retention_days)
