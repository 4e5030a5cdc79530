"""Repo health over the last 24 hours and the health of one change."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db.models import Avg, Count, Q
from django.utils import timezone

from converge_core.audit import format_timestamp
from converge_core.health import RepoHealthInputs, change_health, repo_health
from insights.events import active_intents, events_of, payload_number
from intents.selectors import intent_get
from ledger.models import Event

WINDOW = timedelta(hours=24)


def repo_health_inputs(*, tenant_id: str | None, now: datetime) -> RepoHealthInputs:
    window: dict[str, Any] = {"tenant_id": tenant_id, "since": now - WINDOW, "until": now}
    simulations = events_of(["simulation.completed"], **window).aggregate(
        total=Count("pk"), mergeable=Count("pk", filter=Q(payload__mergeable=True))
    )
    decisions = events_of(["intent.merged", "intent.rejected"], **window).aggregate(
        merged=Count("pk", filter=Q(event_type="intent.merged")),
        rejected=Count("pk", filter=Q(event_type="intent.rejected")),
    )
    entropy = events_of(["risk.evaluated"], **window).aggregate(
        avg=Avg(payload_number("entropy_score"))
    )
    return RepoHealthInputs(
        simulations=simulations["total"],
        mergeable_simulations=simulations["mergeable"],
        merged=decisions["merged"],
        rejected=decisions["rejected"],
        avg_entropy=entropy["avg"] or 0.0,
        active_intents=active_intents(tenant_id).count(),
    )


def repo_health_snapshot(
    *, tenant_id: str | None = None, now: datetime | None = None
) -> dict[str, Any]:
    """The health snapshot of a tenant (or of everything), computed now; nothing is written."""
    now = now or timezone.now()
    snapshot = repo_health(repo_health_inputs(tenant_id=tenant_id, now=now))
    learning = snapshot.pop("learning")
    return {
        **snapshot,
        "timestamp": format_timestamp(now),
        "tenant_id": tenant_id,
        "learning": learning,
    }


def _latest(intent_id: str, event_type: str) -> dict[str, Any]:
    payload = (
        Event.objects.filter(intent_id=intent_id, event_type=event_type)
        .order_by("-seq")
        .values_list("payload", flat=True)
        .first()
    )
    return payload or {}


def change_health_snapshot(
    *, intent_id: str, tenant_id: str | None = None, now: datetime | None = None
) -> dict[str, Any]:
    """One intent's health from its latest risk, simulation and policy events.

    A missing input counts as risk 0, entropy 0, mergeable and verdict ``unknown``. An intent
    of another tenant is not found.
    """
    intent = intent_get(intent_id, tenant_id=tenant_id)
    risk = _latest(intent.id, "risk.evaluated")
    simulation = _latest(intent.id, "simulation.completed")
    policy = _latest(intent.id, "policy.evaluated")
    health = change_health(
        risk_score=float(risk.get("risk_score", 0.0)),
        entropy_score=float(risk.get("entropy_score", 0.0)),
        mergeable=bool(simulation.get("mergeable", True)),
        policy_verdict=str(policy.get("verdict", "unknown")),
    )
    learning = health.pop("learning")
    return {
        "intent_id": intent.id,
        **health,
        "timestamp": format_timestamp(now or timezone.now()),
        "tenant_id": intent.tenant_id,
        "learning": learning,
    }
