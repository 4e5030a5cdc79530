"""Read-only queries of review tasks."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, QuerySet
from django.utils import timezone

from converge_core.audit import format_timestamp
from converge_core.errors import InvalidInput
from converge_core.reviews import (
    BACKLOG,
    OPEN,
    REVIEWER_LOAD,
    SLA_CHECKED,
    ReviewFacts,
    SweepThresholds,
    parse_pool,
)
from converge_core.reviews import ReviewStatus as Status
from intents.models import Intent
from reviews.errors import ReviewNotFound
from reviews.models import ReviewTask


def review_get(task_id: str, *, tenant_id: str | None = None) -> ReviewTask:
    """The task, or :class:`ReviewNotFound` (also when it belongs to another tenant)."""
    queryset = ReviewTask.objects.filter(pk=task_id)
    if tenant_id is not None:
        queryset = queryset.filter(tenant_id=tenant_id)
    task = queryset.first()
    if task is None:
        raise ReviewNotFound(f"Review task {task_id} not found", task_id=task_id)
    return task


def intent_review_facts(intent_ids: list[str]) -> dict[str, tuple[str, list[ReviewFacts]]]:
    """Intent id → (its risk level, its reviews except cancelled ones), in one query.

    Every existing intent of ``intent_ids`` is in the answer, with or without reviews.
    """
    facts: dict[str, tuple[str, list[ReviewFacts]]] = {}
    rows = Intent.objects.filter(pk__in=intent_ids).values_list(
        "id",
        "risk_level",
        "review_tasks__status",
        "review_tasks__resolution",
        "review_tasks__notes",
        "review_tasks__completed_at",
    )
    for intent_id, risk_level, status, resolution, notes, completed_at in rows:
        _, reviews = facts.setdefault(intent_id, (risk_level, []))
        if status is not None and status != Status.CANCELLED:
            reviews.append(ReviewFacts(status, resolution, notes, completed_at))
    return facts


def review_list(
    *,
    intent_id: str | None = None,
    status: str | None = None,
    reviewer: str | None = None,
    tenant_id: str | None = None,
    limit: int = 50,
) -> QuerySet[ReviewTask]:
    """Tasks in review order: priority, then age."""
    if not 1 <= limit <= 10_000:
        raise InvalidInput("limit must be between 1 and 10000", field="limit")
    queryset = ReviewTask.objects.order_by("priority", "created_at", "id")
    if intent_id:
        queryset = queryset.filter(intent_id=intent_id)
    if status:
        queryset = queryset.filter(status=status)
    if reviewer:
        queryset = queryset.filter(reviewer=reviewer)
    if tenant_id is not None:
        queryset = queryset.filter(tenant_id=tenant_id)
    return queryset[:limit]


def overdue_tasks(*, now: datetime, tenant_id: str | None = None) -> QuerySet[ReviewTask]:
    """Tasks the SLA check looks at: pending, assigned or in review, past their deadline."""
    queryset = ReviewTask.objects.filter(status__in=SLA_CHECKED, sla_deadline__lt=now)
    if tenant_id is not None:
        queryset = queryset.filter(tenant_id=tenant_id)
    return queryset.order_by("sla_deadline", "id")


def review_summary(*, tenant_id: str | None = None, now: datetime | None = None) -> dict[str, Any]:
    """Counts by status, open work by reviewer and the SLA breaches, in three queries."""
    now = now or timezone.now()
    queryset = ReviewTask.objects.all()
    if tenant_id is not None:
        queryset = queryset.filter(tenant_id=tenant_id)
    by_status = dict(
        queryset.order_by().values_list("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    by_reviewer: dict[str, int] = {
        reviewer: count
        for reviewer, count in queryset.filter(status__in=(Status.ASSIGNED, Status.IN_REVIEW))
        .order_by()
        .values_list("reviewer")
        .annotate(n=Count("pk"))
        .values_list("reviewer", "n")
        if reviewer is not None
    }
    return {
        "total": sum(by_status.values()),
        "by_status": {status: by_status[status] for status in sorted(by_status)},
        "by_reviewer": {name: by_reviewer[name] for name in sorted(by_reviewer)},
        "sla_breached": overdue_tasks(now=now, tenant_id=tenant_id).count(),
        "timestamp": format_timestamp(now),
    }


def review_backlog_count(*, tenant_id: str | None = None) -> int:
    """Open review work counted as backlog: pending + assigned tasks (decisions §26)."""
    queryset = ReviewTask.objects.filter(status__in=BACKLOG)
    if tenant_id is not None:
        queryset = queryset.filter(tenant_id=tenant_id)
    return queryset.count()


def review_backlog_by_tenant() -> dict[str, int]:
    """The backlog per tenant key (``""`` = no tenant), tenants with a backlog only."""
    rows = (
        ReviewTask.objects.filter(status__in=BACKLOG)
        .order_by()
        .values_list("tenant_id")
        .annotate(n=Count("pk"))
        .values_list("tenant_id", "n")
    )
    backlog: Counter[str] = Counter()
    for tenant_id, count in rows:
        backlog[tenant_id or ""] += count
    return dict(backlog)


def reviewer_loads(pool: tuple[str, ...]) -> dict[str, int]:
    """Open tasks (assigned, in review, escalated) held by each reviewer of ``pool``."""
    rows = (
        ReviewTask.objects.filter(status__in=REVIEWER_LOAD, reviewer__in=pool)
        .order_by()
        .values_list("reviewer")
        .annotate(n=Count("pk"))
        .values_list("reviewer", "n")
    )
    return {name: 0 for name in pool} | {name: count for name, count in rows if name is not None}


def review_pool() -> tuple[str, ...]:
    return parse_pool(settings.CONVERGE_REVIEW_POOL)


def sweep_thresholds() -> SweepThresholds:
    return SweepThresholds(
        assign_after=timedelta(hours=settings.CONVERGE_REVIEW_ASSIGN_AFTER_HOURS),
        escalate_after=timedelta(hours=settings.CONVERGE_REVIEW_ESCALATE_AFTER_HOURS),
        backlog_limit=settings.CONVERGE_REVIEW_BACKLOG_LIMIT,
    )


def review_pool_status() -> dict[str, Any]:
    """The doctor's ``review_pool`` line: the pool and its open load, or a warning without one."""
    pool = review_pool()
    if not pool:
        return {
            "check": "review_pool",
            "status": "warn",
            "detail": "CONVERGE_REVIEW_POOL is not set: pending reviews are not auto-assigned",
        }
    return {
        "check": "review_pool",
        "status": "pass",
        "detail": f"{len(pool)} reviewer(s): {', '.join(pool)}",
        "open_load": reviewer_loads(pool),
    }


def open_reviews_of(intent_id: str) -> QuerySet[ReviewTask]:
    return ReviewTask.objects.filter(intent_id=intent_id, status__in=OPEN).order_by(
        "priority", "created_at", "id"
    )
