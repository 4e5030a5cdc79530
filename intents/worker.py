"""What the worker does, one service per beat task.

- First validation of READY intents: the queue takes only VALIDATED and QUEUED intents, so
  without this stage nothing created by the API, the CLI or GitHub would reach it. An intent is
  validated once per change: a READY intent whose last validation blocked it (a decision made
  or confirmed since its last update) waits until it changes again, and a validation whose
  inputs are those of the last decision reuses it without writing.
- Queue runs, single-flight per (repository, target): ``queue_run`` is called with
  ``wait=0``, and a held lock means another worker is on it, so a worker slot never waits out
  a lock's TTL. Different targets run in parallel in different slots.
- The worker's own state: ``worker.started`` and ``worker.stopped`` are events; heartbeats,
  cycle counts and idle cycles are polls and live in the ``WorkerHeartbeat`` table, which
  ``converge doctor`` and the console read.
- Failure isolation: an unexpected error while validating or queue-processing one intent sets
  that intent aside with a back-off (``intents.failures``); the task returns normally.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections import Counter
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from converge_core.audit import format_timestamp
from converge_core.errors import Conflict, ConvergeError
from converge_core.failures import STAGE_VALIDATE
from converge_core.ids import new_trace_id
from converge_core.states import QUEUEABLE, Status
from converge_core.validation import BLOCKED, ValidationDecision
from intents.decisions import decision_confirm, decision_last, decision_record
from intents.failures import backoffs_in_force, failure_clear, failure_record, is_isolated
from intents.locks import claim_intent, locks_held, release_claim
from intents.models import Intent, IntentDecision, Repository, WorkerHeartbeat
from intents.queue import QueueLockHeld, QueueOptions, queue_run
from intents.validation import ValidationOptions, after_decision, intent_decide
from interfaces.workerstate import current_worker_state
from ledger.append import event_append
from ledger.selectors import has_event_since

logger = logging.getLogger("converge.worker")

QUEUE_DEPTH_CAP = 1000
LOGGED_DECISIONS = ("merged", "queued", "rejected", "blocked", "merge_failed", "merge_refused")


def worker_holder(node: str | None = None) -> str:
    """The identity of one task run: node (or host), pid and a fresh token, so two runs in one
    process, or pool processes forked from one parent, never pass for each other."""
    return f"{node or socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


# --- First validation of READY intents ---------------------------------------------------------


def _unvalidated_ready() -> QuerySet[Intent]:
    blocked_since_change = has_event_since(
        event_type="intent.blocked", intent_id=OuterRef("pk"), since=OuterRef("updated_at")
    )
    decided_since_change = IntentDecision.objects.filter(
        intent_id=OuterRef("pk"), checked_at__gte=OuterRef("updated_at")
    )
    return (
        Intent.objects.filter(status=Status.READY)
        .exclude(blocked_since_change)
        .exclude(Exists(decided_since_change))
    )


def ready_intents_pending(*, targets: list[str] | None, limit: int) -> list[str]:
    """READY intents not validated since they last changed, not claimed and not set aside
    after a processing failure, in queue order."""
    queryset = _unvalidated_ready().filter(
        Q(claimed_by__isnull=True) | Q(claim_expires_at__lt=timezone.now())
    )
    set_aside = backoffs_in_force()
    if set_aside:
        queryset = queryset.exclude(pk__in=list(set_aside))
    if targets is not None:
        queryset = queryset.filter(target__in=targets)
    ordered = queryset.order_by("priority", "created_at", "id")
    return list(ordered.values_list("id", flat=True)[:limit])


def ready_intent_validate(*, intent_id: str, holder: str) -> dict[str, Any]:
    """Validate one READY intent under a claim, so that one worker does it once. An
    unexpected error sets the intent aside (``intents.failures``) instead of failing the task."""
    if not claim_intent(intent_id, holder=holder, ttl=settings.CONVERGE_QUEUE_LOCK_TTL):
        return {"intent_id": intent_id, "decision": "claimed"}
    try:
        intent = _unvalidated_ready().filter(pk=intent_id).first()
        if intent is None:  # validated, changed or finished since it was dispatched
            return {"intent_id": intent_id, "decision": "skipped"}
        if backoffs_in_force(intent_ids=[intent_id]):  # set aside since it was dispatched
            return {"intent_id": intent_id, "decision": "set_aside"}
        options = ValidationOptions(skip_checks=settings.CONVERGE_WORKER_SKIP_CHECKS, reuse=True)
        try:
            decision = intent_decide(intent_id=intent_id, options=options)
        except Conflict as exc:  # an operator changed it meanwhile: nothing to record
            return {"intent_id": intent_id, "decision": "skipped", "reason": exc.message}
        except ConvergeError as exc:
            # An unknown branch or a bad value: recorded as a block so that it is explained
            # and not retried every cycle until the intent changes.
            decision = _record_block(intent, exc.message)
        except Exception as exc:
            if not is_isolated(exc):
                raise
            failed = failure_record(intent_id=intent_id, stage=STAGE_VALIDATE, error=exc)
            return {"intent_id": intent_id, **failed}
        failure_clear(intent_id)
    finally:
        release_claim(intent_id, holder=holder)
    outcome = {"intent_id": intent_id, "decision": decision.decision}
    if decision.reason:
        outcome["reason"] = decision.reason
    logger.info("validated %s: %s", intent_id, decision.decision, extra={"intent_id": intent_id})
    return outcome


def _record_block(intent: Intent, reason: str) -> ValidationDecision:
    """A validation that could not run, explained once: the same reason again is not
    rewritten, only remembered as checked."""
    last = decision_last(intent.id)
    previous = last.decision if last is not None else {}
    if previous.get("decision") == BLOCKED and previous.get("reason") == reason:
        decision_confirm(intent)
        return ValidationDecision.reused_from(previous)
    trace_id = new_trace_id()
    decision = ValidationDecision(
        decision=BLOCKED,
        intent_id=intent.id,
        trace_id=trace_id,
        risk_level=intent.risk_level,
        reason=reason,
    )
    with transaction.atomic():
        event_append(
            event_type="intent.blocked",
            intent_id=intent.id,
            tenant_id=intent.tenant_id,
            payload={"reason": reason, "trace_id": trace_id, "warnings": []},
            evidence={"reason": reason, "trace_id": trace_id},
            trace_id=trace_id,
        )
        decision_record(intent_id=intent.id, inputs=None, decision=decision.as_dict())
    after_decision(intent, decision)
    return decision


# --- Queue runs --------------------------------------------------------------------------------


def queue_pairs(*, targets: list[str] | None) -> list[tuple[int, str]]:
    """(repository id, target) pairs that have candidates and whose lock nobody holds."""
    candidates = Intent.objects.filter(status__in=QUEUEABLE)
    if targets is not None:
        candidates = candidates.filter(target__in=targets)
    pairs = set(candidates.order_by().values_list("repository_id", "target").distinct())
    return sorted(pairs - locks_held(pairs))


def queue_process(
    *,
    repository_id: int,
    target: str,
    holder: str,
    should_stop: Callable[[], bool],
) -> dict[str, Any]:
    """One queue run of (repository, target) with the worker's options, or nothing if busy."""
    repository = Repository.objects.filter(pk=repository_id).first()
    if repository is None:
        return {"status": "unknown_repository", "repository_id": repository_id}
    options = QueueOptions(
        limit=settings.CONVERGE_WORKER_BATCH_SIZE,
        targets=[target],
        auto_confirm=settings.CONVERGE_WORKER_AUTO_CONFIRM,
        max_retries=settings.CONVERGE_WORKER_MAX_RETRIES,
        use_last_simulation=not settings.CONVERGE_WORKER_FRESH_SIMULATION,
        skip_checks=settings.CONVERGE_WORKER_SKIP_CHECKS,
        wait=0,
    )
    base = {"repository": repository.name, "target": target}
    try:
        outcome = queue_run(
            repository=repository, options=options, holder=holder, should_stop=should_stop
        )
    except QueueLockHeld as exc:
        if "lock" not in exc.extra:  # our lock expired mid-run and another worker took over
            logger.warning("queue run of %s:%s stopped: %s", repository.name, target, exc.message)
        return {"status": "busy", **base, "lock": exc.extra.get("lock")}
    state = current_worker_state()
    if state is not None:
        state.count_cycle(outcome["processed"], idle=not outcome["decided"])
    for result in outcome["results"]:
        if result["decision"] in LOGGED_DECISIONS:
            logger.info(
                "%s: %s into %s:%s",
                result["decision"],
                result["intent_id"],
                repository.name,
                target,
                extra={"intent_id": result["intent_id"]},
            )
    summary: dict[str, Any] = {
        "status": "done",
        **base,
        "processed": outcome["processed"],
        "decisions": dict(Counter(result["decision"] for result in outcome["results"])),
        "full_batch": outcome["processed"] >= options.limit,
    }
    if "error" in outcome:
        logger.warning(
            "queue run of %s:%s refused to merge: %s",
            repository.name,
            target,
            outcome["error"]["message"],
        )
        summary["error"] = outcome["error"]
    return summary


# --- The worker's own state --------------------------------------------------------------------


def _stats() -> dict[str, Any]:
    state = current_worker_state()
    if state is None:
        return {
            "cycles": 0,
            "idle_cycles": 0,
            "total_processed": 0,
            "uptime_seconds": 0.0,
            "pid": os.getpid(),
        }
    return state.snapshot()


def _worker_row(node: str | None, **values: Any) -> WorkerHeartbeat:
    stats = _stats()
    row, _ = WorkerHeartbeat.objects.update_or_create(
        node=node or f"{socket.gethostname()}:{stats['pid']}",
        defaults={
            "hostname": socket.gethostname(),
            "pid": stats["pid"],
            "last_seen_at": timezone.now(),
            "cycles": stats["cycles"],
            "idle_cycles": stats["idle_cycles"],
            "total_processed": stats["total_processed"],
            "uptime_seconds": stats["uptime_seconds"],
            **values,
        },
    )
    return row


def worker_started(*, node: str, queues: list[str], concurrency: int, beat: bool) -> None:
    now = timezone.now()
    _worker_row(node, started_at=now, stopped_at=None, pid=os.getpid(), queue_depth=0)
    event_append(
        event_type="worker.started",
        payload={
            "poll_interval": settings.CONVERGE_WORKER_POLL_INTERVAL,
            "batch_size": settings.CONVERGE_WORKER_BATCH_SIZE,
            "targets": settings.CONVERGE_WORKER_TARGETS or "*",
            "auto_confirm": settings.CONVERGE_WORKER_AUTO_CONFIRM,
            "queues": queues,
            "concurrency": concurrency,
            "beat": beat,
            "pid": os.getpid(),
            "hostname": socket.gethostname(),
            "node": node,
        },
    )


def worker_heartbeat(*, node: str | None) -> dict[str, Any]:
    """Refresh the ``WorkerHeartbeat`` row of the worker running this task (no event: a
    heartbeat is a poll, not a decision)."""
    waiting = Intent.objects.filter(status__in=QUEUEABLE).order_by()
    row = _worker_row(node, queue_depth=waiting[:QUEUE_DEPTH_CAP].count())
    return worker_heartbeat_serialize(row)


def worker_heartbeat_serialize(row: WorkerHeartbeat) -> dict[str, Any]:
    return {
        "node": row.node,
        "hostname": row.hostname,
        "pid": row.pid,
        "started_at": format_timestamp(row.started_at) if row.started_at else None,
        "last_seen_at": format_timestamp(row.last_seen_at),
        "stopped_at": format_timestamp(row.stopped_at) if row.stopped_at else None,
        "cycle": row.cycles,
        "idle_cycles": row.idle_cycles,
        "total_processed": row.total_processed,
        "queue_depth": row.queue_depth,
        "uptime_seconds": row.uptime_seconds,
    }


def worker_stopped(*, node: str, exit_code: int) -> None:
    stats = _stats()
    _worker_row(node, stopped_at=timezone.now(), pid=os.getpid())
    event_append(
        event_type="worker.stopped",
        payload={
            "cycles": stats["cycles"],
            "total_processed": stats["total_processed"],
            "uptime_seconds": stats["uptime_seconds"],
            "exit_code": exit_code,
            "pid": os.getpid(),
            "hostname": socket.gethostname(),
            "node": node,
        },
    )
