"""Verification debt, computed live on read (operations §1; decisions §13, §26)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone

from converge_core.audit import format_timestamp
from converge_core.debt import DebtInputs, DebtParams, compute_debt
from flags.selectors import flag_is_enabled
from insights.errors import FeatureDisabled
from insights.events import active_intents, simulation_counts
from reviews.selectors import review_backlog_count
from semantic.selectors import conflicts_in_window


def debt_params() -> DebtParams:
    return DebtParams.from_mapping(settings.CONVERGE_DEBT)


def debt_enabled() -> bool:
    return flag_is_enabled("verification_debt")


def debt_inputs(*, tenant_id: str | None, now: datetime, params: DebtParams) -> DebtInputs:
    stale_before = now - timedelta(hours=params.stale_hours)
    # Staleness is age only; unverified checks are counted apart, not scored (decisions §13).
    intents = active_intents(tenant_id).aggregate(
        total=Count("pk"),
        stale=Count("pk", filter=Q(created_at__lt=stale_before)),
        unverified=Count("pk", filter=~Q(unverified_checks=[])),
        retried=Count("pk", filter=Q(retries__gt=0)),
    )
    since = now - timedelta(hours=params.conflict_window_hours)
    simulations, mergeable = simulation_counts(tenant_id=tenant_id, since=since, until=now)
    return DebtInputs(
        active_intents=intents["total"],
        stale_intents=intents["stale"],
        unverified_intents=intents["unverified"],
        retry_intents=intents["retried"],
        backlog_reviews=review_backlog_count(tenant_id=tenant_id),
        simulations=simulations,
        unmergeable_simulations=simulations - mergeable,
        semantic_conflicts=conflicts_in_window(tenant_id=tenant_id, since=since),
    )


def debt_compute(*, tenant_id: str | None = None, now: datetime | None = None) -> dict[str, Any]:
    """The debt snapshot, whatever the flag (intake and compliance check the flag first)."""
    now = now or timezone.now()
    params = debt_params()
    snapshot = compute_debt(debt_inputs(tenant_id=tenant_id, now=now, params=params), params)
    return {**snapshot, "timestamp": format_timestamp(now), "tenant_id": tenant_id}


def debt_snapshot(*, tenant_id: str | None = None, now: datetime | None = None) -> dict[str, Any]:
    """``verification debt``: the live snapshot, or :class:`FeatureDisabled` with the flag off."""
    if not debt_enabled():
        raise FeatureDisabled("Verification debt is disabled (flag verification_debt)")
    return debt_compute(tenant_id=tenant_id, now=now)
