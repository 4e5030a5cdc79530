"""The queue hold of reviews (``CONVERGE_QUEUE_HOLDS``) and the review state it reads, part of
each decision's fingerprint (``CONVERGE_DECISION_INPUTS``): one query for a batch of intents."""

from __future__ import annotations

from collections import defaultdict

from converge_core.fingerprint import digest
from converge_core.hooks import QueueHold
from converge_core.reviews import approval_required, hold_verdict
from flags.selectors import flag_is_enabled
from reviews.models import ReviewTask
from reviews.selectors import intent_review_facts


def review_holds(intent_ids: list[str]) -> dict[str, QueueHold]:
    """Intent id → hold, for the intents whose reviews keep them out of the merge.

    An open review holds (``review_pending``); a latest completed review ``rejected`` answers
    with ``rejects=True`` so the queue rejects the intent; ``deferred`` keeps holding;
    ``approved`` releases. A critical intent is held until a review approves it, also while
    it has none (``review_required``), unless the ``review_tasks`` flag is off (the flag is
    read only when such an intent is in the batch).
    """
    reviews_on: bool | None = None
    holds = {}
    for intent_id, (risk_level, reviews) in intent_review_facts(intent_ids).items():
        require = False
        if approval_required(risk_level):
            if reviews_on is None:
                reviews_on = flag_is_enabled("review_tasks")
            require = reviews_on
        verdict = hold_verdict(reviews, require_approval=require)
        if verdict is not None:
            holds[intent_id] = QueueHold(
                code=verdict.code,
                reason=verdict.reason,
                details=dict(verdict.details),
                rejects=verdict.rejects,
            )
    return holds


def review_inputs(intent_ids: list[str]) -> dict[str, str]:
    """Intent id → digest of its reviews (open and completed, with their resolutions), for the
    intents that have any: a review requested, completed or cancelled changes it."""
    reviews: dict[str, list[list[str]]] = defaultdict(list)
    rows = (
        ReviewTask.objects.filter(intent_id__in=intent_ids)
        .order_by("intent_id", "id")
        .values_list("intent_id", "id", "status", "resolution")
    )
    for intent_id, task_id, status, resolution in rows:
        reviews[intent_id].append([str(task_id), status, resolution or ""])
    return {intent_id: digest(tasks) for intent_id, tasks in reviews.items()}
