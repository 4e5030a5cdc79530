"""The serialised form of a review task shared by the CLI, the API and event payloads."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from converge_core.audit import format_timestamp
from reviews.models import ReviewTask


def _time(value: datetime | None) -> str | None:
    return format_timestamp(value) if value is not None else None


def review_serialize(task: ReviewTask) -> dict[str, Any]:
    return {
        "id": task.id,
        "intent_id": task.intent_id,
        "status": task.status,
        "reviewer": task.reviewer,
        "priority": task.priority,
        "risk_level": task.risk_level,
        "trigger": task.trigger,
        "sla_deadline": _time(task.sla_deadline),
        "created_at": _time(task.created_at),
        "assigned_at": _time(task.assigned_at),
        "completed_at": _time(task.completed_at),
        "escalated_at": _time(task.escalated_at),
        "resolution": task.resolution,
        "notes": task.notes,
        "tenant_id": task.tenant_id,
        "escalation_level": task.escalation_level,
        "sla_breached_at": _time(task.sla_breached_at),
    }


def breach_serialize(task: ReviewTask) -> dict[str, Any]:
    """An SLA breach: the task past its deadline (``overdue_since`` is the deadline)."""
    return {
        "task_id": task.id,
        "intent_id": task.intent_id,
        "reviewer": task.reviewer,
        "sla_deadline": _time(task.sla_deadline),
        "risk_level": task.risk_level,
        "status": task.status,
        "overdue_since": _time(task.sla_deadline),
    }
