"""Who a conflict with the target is with (decisions §12): the merged intents whose merges
touched the conflicting files since the source forked, whichever run merged them."""

from __future__ import annotations

from converge_core.errors import ConvergeError
from converge_core.git import Simulation
from intents.gitaccess import git_for
from intents.models import Repository
from ledger.selectors import event_feed


def merged_intents_behind(
    repository: Repository, intent_id: str, simulation: Simulation | None
) -> list[str]:
    """The intents whose merges into the target brought the files ``simulation`` conflicts on
    to their current state, the earliest first; merges made outside Converge name nobody."""
    if simulation is None:
        return []
    conflicts = list(simulation.conflicts)
    if not conflicts or not simulation.source_sha or not simulation.target_sha:
        return []
    try:
        commits = git_for(repository).mainline_touching(
            simulation.source_sha, simulation.target_sha, conflicts
        )
    except ConvergeError:
        return []
    merged_by = dict(
        event_feed(event_type="intent.merged", payload_in={"merged_commit": commits})
        .exclude(intent_id=intent_id)
        .values_list("payload__merged_commit", "intent_id")
    )
    return [merged_by[commit] for commit in reversed(commits) if commit in merged_by]
