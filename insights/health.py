"""Repo health over the last 24 hours and the health of one change."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Avg
from django.utils import timezone

from converge_core.audit import format_timestamp
from converge_core.health import RepoHealthInputs, change_health, repo_health
from insights.events import active_intents, simulation_counts
from intents.models import Intent
from intents.selectors import intent_get
from ledger.selectors import (
    EventWindow,
    event_aggregate,
    event_counts,
    latest_payload,
    latest_payloads,
    payload_number,
)

WINDOW = timedelta(hours=24)
# the latest event of each type that a change's health is computed from
CHANGE_INPUTS = ("risk.evaluated", "simulation.completed", "policy.evaluated")


def repo_health_inputs(*, tenant_id: str | None, now: datetime) -> RepoHealthInputs:
    window: EventWindow = {"tenant_id": tenant_id, "since": now - WINDOW, "until": now}
    simulations, mergeable = simulation_counts(**window)
    decisions = event_counts(event_type=["intent.merged", "intent.rejected"], **window)
    entropy = event_aggregate(
        event_type="risk.evaluated",
        aggregates={"avg": Avg(payload_number("entropy_score"))},
        **window,
    )
    return RepoHealthInputs(
        simulations=simulations,
        mergeable_simulations=mergeable,
        merged=decisions["intent.merged"],
        rejected=decisions["intent.rejected"],
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


def change_health_snapshot(
    *, intent_id: str, tenant_id: str | None = None, now: datetime | None = None
) -> dict[str, Any]:
    """One intent's health from its latest risk, simulation and policy events.

    A missing input counts as risk 0, entropy 0, mergeable and verdict ``unknown``. An intent
    of another tenant is not found.
    """
    intent = intent_get(intent_id, tenant_id=tenant_id)
    inputs = {
        event_type: latest_payload(intent_id=intent.id, event_type=event_type)
        for event_type in CHANGE_INPUTS
    }
    return _change_health(intent, inputs, now)


def change_health_snapshots(intent_ids: list[str]) -> dict[str, dict[str, Any]]:
    """:func:`change_health_snapshot` of many intents in four queries (intents that do not
    exist are absent)."""
    intents = Intent.objects.filter(pk__in=intent_ids)
    latest = {
        event_type: latest_payloads(intent_ids=intent_ids, event_type=event_type)
        for event_type in CHANGE_INPUTS
    }
    return {
        intent.id: _change_health(
            intent, {event_type: latest[event_type].get(intent.id) for event_type in latest}, None
        )
        for intent in intents
    }


def _change_health(
    intent: Intent, inputs: Mapping[str, Mapping[str, Any] | None], now: datetime | None
) -> dict[str, Any]:
    risk = inputs["risk.evaluated"] or {}
    simulation = inputs["simulation.completed"] or {}
    policy = inputs["policy.evaluated"] or {}
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
