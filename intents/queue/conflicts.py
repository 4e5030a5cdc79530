"""Who a conflict with the target is with (decisions §12): the merged intents whose merges
touched the conflicting files since the source forked, whichever run merged them."""

from __future__ import annotations

from typing import Any

from converge_core.errors import ConvergeError
from intents.gitaccess import git_for
from intents.models import Event, Repository


def merged_intents_behind(
    repository: Repository, intent_id: str, decision: dict[str, Any]
) -> list[str]:
    """The intents whose merges into the target brought the files ``decision`` conflicts on
    to their current state, the earliest first; merges made outside Converge name nobody."""
    simulation = decision.get("simulation") or {}
    conflicts = simulation.get("conflicts") or ()
    source_sha, target_sha = simulation.get("source_sha"), simulation.get("target_sha")
    if not conflicts or not source_sha or not target_sha:
        return []
    try:
        commits = git_for(repository).mainline_touching(source_sha, target_sha, conflicts)
    except ConvergeError:
        return []
    merged_by = dict(
        Event.objects.filter(event_type="intent.merged", payload__merged_commit__in=commits)
        .exclude(intent_id=intent_id)
        .values_list("payload__merged_commit", "intent_id")
    )
    return [merged_by[commit] for commit in reversed(commits) if commit in merged_by]
