"""Running and reusing merge simulations for intents."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone

from converge_core.git import Simulation
from flags.selectors import flag_is_enabled
from intents.choices import CommitRole
from intents.gitaccess import git_for
from intents.models import CommitLink, Intent
from ledger.selectors import latest_payload


def simulation_from_payload(payload: dict[str, Any]) -> Simulation:
    return Simulation(
        mergeable=payload["mergeable"],
        conflicts=tuple(payload.get("conflicts", ())),
        files_changed=tuple(payload.get("files_changed", ())),
        source=payload["source"],
        target=payload["target"],
        source_sha=payload.get("source_sha", ""),
        target_sha=payload.get("target_sha", ""),
        tree_sha=payload.get("tree_sha", ""),
        timestamp=timezone.now(),
    )


def reusable_simulation(intent: Intent) -> tuple[Simulation | None, bool]:
    """The last simulation if both SHAs are unchanged: ``(simulation, existed)``."""
    payload = latest_payload(intent_id=intent.id, event_type="simulation.completed")
    if payload is None or not payload.get("source_sha"):
        return None, payload is not None
    source_sha, target_sha = git_for(intent.repository).resolve(intent.source, intent.target)
    if (payload["source_sha"], payload["target_sha"]) != (source_sha, target_sha):
        return None, True
    return simulation_from_payload(payload), True


def simulation_evidence(simulation: Simulation) -> dict[str, Any]:
    return {
        "source": simulation.source,
        "target": simulation.target,
        "conflict_count": len(simulation.conflicts),
    }


def record_commit_links(
    intent: Intent, simulation: Simulation, when: datetime, *, enabled: bool | None = None
) -> None:
    """Remember the head and base a validation saw (``intent_links`` flag, or ``enabled``
    when the caller read it before its transaction)."""
    if not (flag_is_enabled("intent_links") if enabled is None else enabled):
        return
    CommitLink.objects.bulk_create(
        [
            CommitLink(
                intent=intent, sha=sha, role=role, repo=intent.repository.name, observed_at=when
            )
            for sha, role in (
                (simulation.source_sha, CommitRole.HEAD),
                (simulation.target_sha, CommitRole.BASE),
            )
        ],
        ignore_conflicts=True,  # seen before: the unique constraint keeps the first sighting
    )
