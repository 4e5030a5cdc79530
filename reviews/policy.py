"""The review policy asks for (``CONVERGE_AFTER_DECISION``): a critical intent is reviewed.

Every intent validated at a level that requires approval (``critical``, declared or reached by
reclassification) gets one review with the ``policy`` trigger, the highest priority and the
level's SLA (8 h); the queue holds it until a review approves it (:mod:`reviews.holds`).
"""

from __future__ import annotations

from converge_core.hooks import Decision
from converge_core.reviews import (
    POLICY_REVIEW_PRIORITY,
    POLICY_TRIGGER,
    approval_required,
    policy_review_due,
)
from reviews.selectors import intent_review_facts
from reviews.services import review_request_automatic

POLICY_ACTOR = "policy"


def policy_review_request(decision: Decision) -> None:
    """After a ``validated`` decision, open the intent's policy review if it is due: never a
    second one while one is open, and never again once a review completed."""
    if decision.decision != "validated":
        return
    if decision.risk_level is not None and not approval_required(decision.risk_level):
        return
    facts = intent_review_facts([decision.intent_id]).get(decision.intent_id)
    if facts is None or not policy_review_due(*facts):
        return
    review_request_automatic(
        intent_id=decision.intent_id,
        trigger=POLICY_TRIGGER,
        priority=POLICY_REVIEW_PRIORITY,
        actor=POLICY_ACTOR,
    )
