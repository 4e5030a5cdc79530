"""Reads of the conflicts: the active list and the unresolved ones past an age."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from converge_core.semantic import ConflictStatus
from semantic.models import SemanticConflict

# The runbook's "Escalate if": more than this many conflicts unresolved for over 24 hours.
ESCALATE_COUNT = 5
ESCALATE_AGE = timedelta(hours=24)


def open_conflicts(*, tenant_id: str | None = None) -> QuerySet[SemanticConflict]:
    rows = SemanticConflict.objects.filter(status=ConflictStatus.OPEN)
    if tenant_id is not None:
        rows = rows.filter(tenant_id=tenant_id)
    return rows


def active_conflicts(*, tenant_id: str | None = None, limit: int = 50) -> list[SemanticConflict]:
    """The open conflicts, highest score first, then the most recent."""
    return list(
        open_conflicts(tenant_id=tenant_id).order_by("-score", "-detected_at", "pk")[:limit]
    )


def overdue_conflicts(*, tenant_id: str | None = None, now: datetime | None = None) -> int:
    """Open conflicts detected more than 24 hours ago."""
    now = now or timezone.now()
    return open_conflicts(tenant_id=tenant_id).filter(detected_at__lt=now - ESCALATE_AGE).count()
