"""The GitHub App's extension points: decisions become check-runs (``CONVERGE_AFTER_DECISION``)
and the queue leaves alone what GitHub merges or what is not ready (``CONVERGE_QUEUE_HOLDS``)."""

from __future__ import annotations

from collections.abc import Mapping

from converge_core.hooks import Decision, QueueHold
from intents.models import Intent

MERGE_GROUP = "merge_group"


def publish_decision(decision: Decision) -> None:
    """Show a decision about an intent that came from GitHub on its head's check-run."""
    technical = decision.technical
    if technical is None:
        intent = Intent.objects.filter(pk=decision.intent_id).only("technical").first()
        if intent is None:
            return
        technical = intent.technical
    technical = technical or {}
    head_sha = technical.get("head_sha") or technical.get("initial_base_commit")
    full_name = technical.get("repo")
    if not head_sha or not full_name:
        return
    reason = decision.details.get("reason") if decision.details else None
    # imported here: publishing loads PyGithub, which a decision about an intent that did not
    # come from GitHub never needs
    from github_app.publishing import check_request

    check_request(
        full_name=str(full_name),
        head_sha=str(head_sha),
        intent_id=decision.intent_id,
        installation_id=technical.get("installation_id"),
        decision=decision.decision,
        reason=str(reason or ""),
        trace_id=decision.trace_id,
    )


def github_holds(intent_ids: list[str]) -> Mapping[str, QueueHold]:
    """Merge groups are validate-only (GitHub's merge queue merges them); drafts wait."""
    holds: dict[str, QueueHold] = {}
    rows = Intent.objects.filter(pk__in=intent_ids).values_list("id", "technical")
    for intent_id, technical in rows:
        technical = technical or {}
        if technical.get("webhook_event") == MERGE_GROUP:
            holds[intent_id] = QueueHold(
                code="merge_group",
                reason="a merge group is validated for GitHub's merge queue, which merges it",
            )
        elif technical.get("draft"):
            holds[intent_id] = QueueHold(
                code="draft", reason="a draft pull request is not queued until it is ready"
            )
    return holds
