"""The periodic review sweep: the runbook's escalation table.

- pending longer than ``CONVERGE_REVIEW_ASSIGN_AFTER_HOURS`` (4 h): assigned to the least-loaded
  reviewer of ``CONVERGE_REVIEW_POOL`` (skipped without a pool);
- SLA breached: ``review.sla.breached`` recorded and the task escalated (``sla_breach``);
- assigned longer than ``CONVERGE_REVIEW_ESCALATE_AFTER_HOURS`` (8 h): escalated
  (``assigned_timeout``);
- backlog (pending + assigned) above ``CONVERGE_REVIEW_BACKLOG_LIMIT`` (10): the backlog hooks
  throttle intake, and lift the throttle again once the backlog is back at or below the limit.

Escalations are notified on the ``escalations`` channel. With the ``review_tasks`` flag off only
the SLA breaches are recorded.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone

from converge_core.audit import format_timestamp
from converge_core.errors import ConvergeError
from converge_core.reviews import SLA_CHECKED, ReviewStatus, pick_reviewer
from flags.selectors import flag_is_enabled
from intents.hooks import review_backlog_hooks
from reviews.models import ReviewTask
from reviews.selectors import (
    review_backlog_by_tenant,
    review_pool,
    reviewer_loads,
    sweep_thresholds,
)
from reviews.services import review_assign, review_escalate, review_sla_check

SWEEP_ACTOR = "review-sweep"


def _auto_assign(pool: tuple[str, ...], cutoff: datetime) -> list[dict[str, Any]]:
    loads = reviewer_loads(pool)
    assigned = []
    stale = ReviewTask.objects.filter(status=ReviewStatus.PENDING, created_at__lt=cutoff)
    for task_id in stale.order_by("priority", "created_at", "id").values_list("pk", flat=True):
        reviewer = pick_reviewer(pool, loads)
        try:
            review_assign(
                task_id=task_id,
                reviewer=reviewer,
                actor=SWEEP_ACTOR,
                expected=(ReviewStatus.PENDING,),
            )
        except ConvergeError:
            continue  # someone acted on it meanwhile: their change stands
        loads[reviewer] += 1
        assigned.append({"task_id": task_id, "reviewer": reviewer})
    return assigned


def _escalate(task_id: str, reason: str, expected: tuple[str, ...]) -> dict[str, str] | None:
    try:
        review_escalate(task_id=task_id, reason=reason, actor=SWEEP_ACTOR, expected=expected)
    except ConvergeError:
        return None
    return {"task_id": task_id, "reason": reason}


def review_sweep(*, now: datetime | None = None) -> dict[str, Any]:
    """Run the escalation table once; returns what it did."""
    now = now or timezone.now()
    report: dict[str, Any] = {"timestamp": format_timestamp(now), "automation": True}
    if not flag_is_enabled("review_tasks"):
        sla = review_sla_check(now=now, actor=SWEEP_ACTOR)
        return {
            **report,
            "automation": False,
            "reason": "review_tasks is disabled: SLA breaches recorded, nothing changed",
            "breaches": sla["count"],
        }
    thresholds = sweep_thresholds()
    pool = review_pool()
    report["pool"] = list(pool)
    report["assigned"] = _auto_assign(pool, now - thresholds.assign_after) if pool else []

    sla = review_sla_check(now=now, actor=SWEEP_ACTOR)
    report["breaches"] = sla["count"]
    escalated = [_escalate(b["task_id"], "sla_breach", SLA_CHECKED) for b in sla["breaches"]]
    overdue = ReviewTask.objects.filter(
        status=ReviewStatus.ASSIGNED, assigned_at__lt=now - thresholds.escalate_after
    ).order_by("assigned_at", "id")
    escalated += [
        _escalate(task_id, "assigned_timeout", (ReviewStatus.ASSIGNED,))
        for task_id in overdue.values_list("pk", flat=True)
    ]
    report["escalated"] = [entry for entry in escalated if entry is not None]

    backlogs = review_backlog_by_tenant()
    report["backlog"] = backlogs
    report["intake"] = [
        change
        for hook in review_backlog_hooks()
        for change in hook(backlogs=backlogs, limit=thresholds.backlog_limit, actor=SWEEP_ACTOR)
    ]
    return report
