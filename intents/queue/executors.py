"""Merging elsewhere: the ``CONVERGE_MERGE_EXECUTORS`` the queue asks before its own merge.

A repository mirrored from GitHub is merged through GitHub's pull-request merge API, not by
moving a ref of the mirror; the queue asks each executor in turn and merges with the local git
engine only when none of them answers.
"""

from __future__ import annotations

from converge_core.hooks import MergeOutcome, MergeRequest
from converge_core.validation import ValidationDecision
from intents.hooks import merge_executors
from intents.models import Intent


def merge_elsewhere(intent: Intent, decision: ValidationDecision) -> MergeOutcome | None:
    """The first executor's answer for a validated ``intent``, or None: merge it here."""
    executors = merge_executors()
    simulation = decision.simulation
    if not executors or simulation is None:
        return None
    request = MergeRequest(
        intent_id=intent.id,
        repository=intent.repository.name,
        source=intent.source,
        target=intent.target,
        source_sha=simulation.source_sha,
        target_sha=simulation.target_sha,
        technical=dict(intent.technical or {}),
    )
    for executor in executors:
        outcome = executor(request)
        if outcome is not None:
            return outcome
    return None
