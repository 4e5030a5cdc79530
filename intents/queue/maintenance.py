"""Operator tools around the queue: inspect, reset, unlock and confirming outside merges."""

from __future__ import annotations

import re
from typing import Any

from django.db import connection
from django.db.models import Q
from django.utils import timezone

from converge_core.errors import InvalidInput, NotFound
from converge_core.states import ACTIVE, QUEUEABLE, Cause, Status
from flags.selectors import flag_is_enabled
from intents.choices import CommitRole
from intents.failures import set_aside_list
from intents.locks import (
    advisory_locks_held,
    advisory_unreleasable,
    claims_clear_expired,
    lock_mechanism_describe,
    lock_serialize,
    locks_force_release,
)
from intents.models import CommitLink, Intent, QueueLock, Repository
from intents.queue.controls import merge_hold
from intents.services import intent_reset, intent_transition
from intents.validation import after_decision

SHA_PATTERN = re.compile(r"[0-9a-f]{40}")


def _row(intent: Intent) -> dict[str, Any]:
    return {
        "intent_id": intent.id,
        "status": intent.status,
        "retries": intent.retries,
        "priority": intent.priority,
        "source": intent.source,
        "target": intent.target,
        "risk_level": intent.risk_level,
        "claimed_by": intent.claimed_by,
    }


def queues_held(repository: Repository) -> list[dict[str, Any]]:
    """The targets of ``repository`` that do not merge now (paused or frozen), with why."""
    targets = set(
        Intent.objects.filter(repository=repository, status__in=ACTIVE).values_list(
            "target", flat=True
        )
    )
    targets |= set(repository.queues.filter(paused=True).values_list("target", flat=True))
    held = []
    for target in sorted(targets):
        hold = merge_hold(repository, target)
        if hold is not None:
            held.append(hold.to_dict(target))
    return held


def queue_inspect(
    *,
    repository: Repository | None = None,
    status: str | None = None,
    min_retries: int | None = None,
    only_actionable: bool = False,
    target: str | None = None,
    limit: int = 100,
) -> dict[str, Any]:
    """Intents in queue order (filtered in SQL), the queue locks (rows, and on PostgreSQL the
    advisory locks with the session holding each) and the intents set aside after a
    processing failure."""
    if not 1 <= limit <= 10_000:
        raise InvalidInput("--limit must be between 1 and 10000", field="limit")
    intents = Intent.objects.order_by("priority", "created_at", "id")
    locks = QueueLock.objects.all()
    if repository is not None:
        intents = intents.filter(repository=repository)
        locks = locks.filter(repository=repository)
    if only_actionable:
        intents = intents.filter(status__in=ACTIVE)
    elif status:
        intents = intents.filter(status=status)
    if min_retries is not None:
        intents = intents.filter(retries__gte=min_retries)
    if target:
        intents = intents.filter(target=target)
    result: dict[str, Any] = {
        "intents": [_row(intent) for intent in intents[:limit]],
        "locks": [lock_serialize(lock) for lock in locks],
        "lock_mechanism": lock_mechanism_describe(),
        "set_aside": set_aside_list(repository=repository),
    }
    if repository is not None:
        result["held"] = queues_held(repository)
    if connection.vendor == "postgresql":
        result["advisory_locks"] = advisory_locks_held(repository)
    return result


def queue_reset(
    *,
    intent_id: str | None,
    actor: str,
    set_status: str | None = None,
    clear_lock: bool = False,
    repository: Repository | None = None,
) -> dict[str, Any]:
    """Zero an intent's retries (and optionally set its status); ``clear_lock`` first releases
    the queue lock rows of the repository and expired claims, even when the id is unknown, and
    names the advisory locks it cannot release (only the session holding one can)."""
    result: dict[str, Any] = {}
    if clear_lock:
        result["released_locks"] = locks_force_release(repository, actor=actor)
        result["cleared_claims"] = claims_clear_expired(repository)
        held = advisory_locks_held(repository)
        if held:
            result["advisory_locks_not_released"] = advisory_unreleasable(held)
    if intent_id is None:
        if not clear_lock:
            raise InvalidInput("--intent-id is required (or give --clear-lock alone)")
        return result
    if not Intent.objects.filter(pk=intent_id).exists():
        raise NotFound(f"Intent {intent_id} not found", intent_id=intent_id, **result)
    intent = intent_reset(intent_id=intent_id, actor=actor, status=set_status)
    return {"intent_id": intent.id, "status": intent.status, "retries": intent.retries, **result}


def merge_confirm(
    *, intent_id: str, merged_commit: str | None, actor: str, tenant_id: str | None = None
) -> dict[str, Any]:
    """Record a merge made elsewhere (a GitHub PR merge, a manual merge)."""
    if merged_commit is not None and not SHA_PATTERN.fullmatch(merged_commit):
        raise InvalidInput(
            f"--merged-commit must be 40 lowercase hex digits, got {merged_commit!r}",
            field="merged_commit",
        )
    query = Q(pk=intent_id) if tenant_id is None else Q(pk=intent_id, tenant_id=tenant_id)
    intent = Intent.objects.filter(query).first()
    if intent is None:
        raise NotFound(f"Intent {intent_id} not found", intent_id=intent_id)
    if intent.status not in QUEUEABLE:
        raise InvalidInput(
            f"Intent {intent_id} is {intent.status}, expected QUEUED or VALIDATED",
            intent_id=intent_id,
            status=intent.status,
        )
    payload: dict[str, Any] = {
        "merged_commit": merged_commit,
        "source": intent.source,
        "target": intent.target,
        "confirmed_by": actor,
    }
    if merged_commit is None:
        payload["confirmed_without_sha"] = True
    intent = intent_transition(
        intent_id=intent_id,
        to=Status.MERGED,
        cause=Cause.CONFIRM,
        event_type="intent.merged",
        payload=payload,
        evidence={"merged_commit": merged_commit},
        agent_id=actor,
        expected=intent.status,
    )
    if merged_commit and flag_is_enabled("intent_links"):
        CommitLink.objects.get_or_create(
            intent=intent,
            sha=merged_commit,
            role=CommitRole.MERGE,
            defaults={"repo": intent.repository.name, "observed_at": timezone.now()},
        )
    after_decision(intent, {"decision": "merged"})
    return {"intent_id": intent.id, "status": intent.status, "merged_commit": merged_commit}
