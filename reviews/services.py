"""Services that change review tasks: request, assign, start, complete, cancel, escalate and the
SLA check.

Each change is a compare-and-swap on the task's status (it must still be the status the
transition was decided from) written with its event in one transaction; notifications and the
LLM advisor run once that transaction has committed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from converge_core.errors import Conflict, InvalidInput, NotFound
from converge_core.hooks import ReviewCompletion
from converge_core.ids import new_id
from converge_core.reviews import (
    OPEN,
    ReviewOp,
    ReviewStatus,
    ReviewTrigger,
    SeparationOfDuties,
    clean_resolution,
    clean_trigger,
    review_target,
    sla_deadline,
)
from flags.selectors import flag_is_enabled
from intents.hooks import review_completion_checks
from intents.models import Intent
from ledger.append import event_append
from notifications.dispatch import notify
from reviews.advisor import advisor_schedule
from reviews.models import ReviewTask
from reviews.selectors import overdue_tasks, review_get
from reviews.serialization import breach_serialize, review_serialize

ESCALATIONS_CHANNEL = "escalations"


def _clean_reviewer(value: str | None, *, required: bool) -> str | None:
    reviewer = (value or "").strip()
    if not reviewer:
        if required:
            raise InvalidInput("reviewer is required", field="reviewer")
        return None
    if len(reviewer) > 200:
        raise InvalidInput("reviewer is longer than 200 characters", field="reviewer")
    return reviewer


def _clean_priority(value: int | None, default: int) -> int:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
        raise InvalidInput("priority must be an integer from 1 to 5", field="priority")
    return value


def _append(task: ReviewTask, event_type: str, payload: Mapping[str, Any], actor: str) -> None:
    event_append(
        event_type=event_type,
        intent_id=task.intent_id,
        tenant_id=task.tenant_id,
        agent_id=actor,
        payload=dict(payload),
    )


def _notify(task: ReviewTask, event_type: str, payload: Mapping[str, Any], **kwargs: Any) -> None:
    notify(event_type, payload, intent_id=task.intent_id, tenant_id=task.tenant_id, **kwargs)


def review_request(
    *,
    intent_id: str,
    trigger: str = ReviewTrigger.MANUAL,
    reviewer: str | None = None,
    priority: int | None = None,
    tenant_id: str | None = None,
    actor: str,
    force: bool = False,
) -> ReviewTask:
    """Open a review of an intent (``assigned`` when a reviewer is given).

    An open review of the same intent and trigger is returned instead of a duplicate unless
    ``force``. Records ``review.requested`` (and ``review.assigned``).
    """
    trigger = clean_trigger(trigger)
    reviewer = _clean_reviewer(reviewer, required=False)
    intent = Intent.objects.filter(pk=intent_id).first()
    if intent is None:
        raise NotFound(f"Review request failed: intent {intent_id} not found", intent_id=intent_id)
    priority = _clean_priority(priority, intent.priority)
    with transaction.atomic():
        if not force:
            existing = (
                ReviewTask.objects.filter(intent=intent, trigger=trigger, status__in=OPEN)
                .order_by("created_at")
                .first()
            )
            if existing is not None:
                return existing
        now = timezone.now()
        task = ReviewTask.objects.create(
            id=f"rev-{new_id()}",
            intent=intent,
            status=ReviewStatus.ASSIGNED if reviewer else ReviewStatus.PENDING,
            reviewer=reviewer,
            priority=priority,
            risk_level=intent.risk_level,
            trigger=trigger,
            sla_deadline=sla_deadline(now, intent.risk_level),
            created_at=now,
            assigned_at=now if reviewer else None,
            tenant_id=tenant_id if tenant_id is not None else intent.tenant_id,
        )
        serialized = review_serialize(task)
        _append(task, "review.requested", serialized, actor)
        _notify(task, "review.requested", serialized)
        if reviewer:
            assigned = {"task_id": task.id, "reviewer": reviewer}
            _append(task, "review.assigned", assigned, actor)
            _notify(task, "review.assigned", assigned)
        advisor_schedule(task.id)
    return task


def review_request_automatic(
    *, intent_id: str, trigger: str, actor: str, priority: int | None = None
) -> ReviewTask | None:
    """A review opened by Converge itself (coherence, semantic conflicts, policy).

    With the ``review_tasks`` flag off nothing is opened and ``None`` is returned; an open
    review of the same trigger is reused.
    """
    if not flag_is_enabled("review_tasks"):
        return None
    return review_request(intent_id=intent_id, trigger=trigger, priority=priority, actor=actor)


def _change(
    task_id: str,
    op: ReviewOp,
    *,
    expected: tuple[str, ...] | None,
    fields: Callable[[ReviewTask, datetime], dict[str, Any]],
) -> tuple[ReviewTask, ReviewTask]:
    """Apply ``op`` by compare-and-swap; returns ``(before, after)``."""
    before = review_get(task_id)
    if expected is not None and before.status not in expected:
        raise Conflict(
            f"Review task {task_id} is {before.status}, expected {' or '.join(expected)}",
            task_id=task_id,
            status=before.status,
        )
    target = review_target(op, before.status)
    now = timezone.now()
    updated = ReviewTask.objects.filter(pk=task_id, status=before.status).update(
        status=target, updated_at=now, **fields(before, now)
    )
    if updated != 1:
        raise Conflict(f"Review task {task_id} changed concurrently; retry", task_id=task_id)
    return before, ReviewTask.objects.get(pk=task_id)


def review_assign(
    *, task_id: str, reviewer: str, actor: str, expected: tuple[str, ...] | None = None
) -> ReviewTask:
    """Give a task to ``reviewer`` (``review.assigned``, or ``review.reassigned`` if it had one)."""
    name = _clean_reviewer(reviewer, required=True)
    with transaction.atomic():
        before, task = _change(
            task_id,
            ReviewOp.ASSIGN,
            expected=expected,
            fields=lambda _task, now: {"reviewer": name, "assigned_at": now},
        )
        event_type = "review.reassigned" if before.reviewer else "review.assigned"
        _append(
            task,
            event_type,
            {"task_id": task.id, "reviewer": name, "old_reviewer": before.reviewer},
            actor,
        )
        _notify(task, "review.assigned", {"task_id": task.id, "reviewer": name})
    return task


def review_start(*, task_id: str, actor: str) -> ReviewTask:
    """The reviewer starts working: ``assigned``/``escalated`` → ``in_review``."""
    with transaction.atomic():
        _, task = _change(task_id, ReviewOp.START, expected=None, fields=lambda _t, _n: {})
        _append(task, "review.started", {"task_id": task.id, "reviewer": task.reviewer}, actor)
    return task


def review_complete(*, task_id: str, resolution: str, notes: str = "", actor: str) -> ReviewTask:
    """Close a task with ``approved``, ``rejected`` or ``deferred``; ``actor`` is the acting
    principal, and a ``CONVERGE_REVIEW_COMPLETION_CHECKS`` hook may refuse it (separation of
    duties). The hooks run before the change, so what they record of a refusal stays."""
    resolution = clean_resolution(resolution)
    current = review_get(task_id)
    completion = ReviewCompletion(
        task_id=current.id,
        intent_id=current.intent_id,
        tenant_id=current.tenant_id,
        actor=actor,
        resolution=resolution,
    )
    for check in review_completion_checks():
        refusal = check(completion)
        if refusal:
            raise SeparationOfDuties(refusal, task_id=current.id, intent_id=current.intent_id)
    with transaction.atomic():
        _, task = _change(
            task_id,
            ReviewOp.COMPLETE,
            expected=None,
            fields=lambda _task, now: {
                "resolution": resolution,
                "notes": notes,
                "completed_at": now,
                "decided_by": actor,
            },
        )
        _append(
            task,
            "review.completed",
            {
                "task_id": task.id,
                "reviewer": task.reviewer,
                "resolution": resolution,
                "notes": notes,
            },
            actor,
        )
        _notify(
            task,
            "review.completed",
            {"task_id": task.id, "resolution": resolution, "reviewer": task.reviewer},
        )
    return task


def review_cancel(*, task_id: str, reason: str = "", actor: str) -> ReviewTask:
    """Cancel a task; the reason is appended to its notes (the notes are kept)."""

    def fields(task: ReviewTask, _now: datetime) -> dict[str, Any]:
        if not reason:
            return {"decided_by": actor}
        line = f"Cancelled: {reason}"
        return {"notes": f"{task.notes}\n{line}" if task.notes else line, "decided_by": actor}

    with transaction.atomic():
        _, task = _change(task_id, ReviewOp.CANCEL, expected=None, fields=fields)
        _append(task, "review.cancelled", {"task_id": task.id, "reason": reason}, actor)
    return task


def review_escalate(
    *, task_id: str, reason: str, actor: str, expected: tuple[str, ...] | None = None
) -> ReviewTask:
    """Escalate a task (its reviewer is kept) and notify the ``escalations`` channel."""
    with transaction.atomic():
        _, task = _change(
            task_id,
            ReviewOp.ESCALATE,
            expected=expected,
            fields=lambda _task, now: {
                "escalated_at": now,
                "escalation_level": F("escalation_level") + 1,
            },
        )
        payload = {"task_id": task.id, "reviewer": task.reviewer, "reason": reason}
        _append(task, "review.escalated", payload, actor)
        _notify(task, "review.escalated", payload, channel=ESCALATIONS_CHANNEL)
    return task


def review_sla_check(
    *, tenant_id: str | None = None, now: datetime | None = None, actor: str
) -> dict[str, Any]:
    """Every open task past its SLA deadline; each breach is recorded once per task.

    The first time a task is seen overdue it gets ``sla_breached_at``, a
    ``review.sla.breached`` event and a notification on the ``escalations`` channel. Statuses
    are not changed here (the sweep escalates).
    """
    now = now or timezone.now()
    breaches, recorded = [], 0
    for task in overdue_tasks(now=now, tenant_id=tenant_id):
        breach = breach_serialize(task)
        breaches.append(breach)
        if task.sla_breached_at is not None:
            continue
        with transaction.atomic():
            first = ReviewTask.objects.filter(pk=task.pk, sla_breached_at__isnull=True).update(
                sla_breached_at=now
            )
            if first:
                recorded += 1
                _append(task, "review.sla.breached", breach, actor)
                _notify(task, "review.sla_breached", breach, channel=ESCALATIONS_CHANNEL)
    return {"breaches": breaches, "count": len(breaches), "recorded": recorded}
