"""Review tasks: statuses, the transition table, SLA deadlines, queue holds and the sweep rules.

Every change of a review task names an operation; the table below is the single list of legal
moves (completed and cancelled are final). The queue hold and the reviewer choice of the sweep
are plain functions so that they are tested without a database.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from converge_core.errors import Conflict, ConvergeError, InvalidInput
from converge_core.risk.classify import RiskLevel


class ReviewStatus(StrEnum):
    PENDING = "pending"
    ASSIGNED = "assigned"
    IN_REVIEW = "in_review"
    ESCALATED = "escalated"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class ReviewOp(StrEnum):
    ASSIGN = "assign"
    START = "start"
    COMPLETE = "complete"
    CANCEL = "cancel"
    ESCALATE = "escalate"


class ReviewTrigger(StrEnum):
    POLICY = "policy"
    CONFLICT = "conflict"
    MANUAL = "manual"
    COHERENCE = "coherence"


class ReviewResolution(StrEnum):
    APPROVED = "approved"
    REJECTED = "rejected"
    DEFERRED = "deferred"


RESOLUTIONS: tuple[str, ...] = tuple(str(resolution) for resolution in ReviewResolution)
TRIGGERS: tuple[str, ...] = tuple(str(trigger) for trigger in ReviewTrigger)

OPEN = frozenset(
    {ReviewStatus.PENDING, ReviewStatus.ASSIGNED, ReviewStatus.IN_REVIEW, ReviewStatus.ESCALATED}
)
TERMINAL = frozenset({ReviewStatus.COMPLETED, ReviewStatus.CANCELLED})
# The review backlog (debt, summary, intake throttling) counts these two (decisions §26).
BACKLOG = frozenset({ReviewStatus.PENDING, ReviewStatus.ASSIGNED})
# What the SLA check looks at (in this order in messages), and a reviewer's open work.
SLA_CHECKED = (ReviewStatus.PENDING, ReviewStatus.ASSIGNED, ReviewStatus.IN_REVIEW)
REVIEWER_LOAD = frozenset({ReviewStatus.ASSIGNED, ReviewStatus.IN_REVIEW, ReviewStatus.ESCALATED})

_S = ReviewStatus
# operation -> {from status -> resulting status}; a missing entry is an illegal move (409).
TRANSITIONS: dict[ReviewOp, dict[ReviewStatus, ReviewStatus]] = {
    ReviewOp.ASSIGN: {s: _S.ASSIGNED for s in OPEN},
    ReviewOp.START: {_S.ASSIGNED: _S.IN_REVIEW, _S.ESCALATED: _S.IN_REVIEW},
    ReviewOp.COMPLETE: {s: _S.COMPLETED for s in OPEN},
    ReviewOp.CANCEL: {s: _S.CANCELLED for s in OPEN},
    ReviewOp.ESCALATE: {
        _S.PENDING: _S.ESCALATED,
        _S.ASSIGNED: _S.ESCALATED,
        _S.IN_REVIEW: _S.ESCALATED,
    },
}

SLA_HOURS: Mapping[str, int] = {"low": 72, "medium": 48, "high": 24, "critical": 8}
DEFAULT_SLA_HOURS = 48

# Risk levels whose intents merge only after a human approved them (decisions §40); Converge
# requests that review itself, with the ``policy`` trigger and the highest priority.
APPROVAL_REQUIRED_LEVELS = frozenset({RiskLevel.CRITICAL})
POLICY_TRIGGER = ReviewTrigger.POLICY
POLICY_REVIEW_PRIORITY = 1


class SeparationOfDuties(ConvergeError):
    """The acting principal may not complete this review (its author, or an owner of the
    code it changes)."""

    code = "separation_of_duties"
    http_status = 403
    exit_code = 2


class IllegalReviewTransition(Conflict):
    """An operation the review's current status does not allow."""

    code = "illegal_transition"


def review_target(op: ReviewOp | str, current: ReviewStatus | str) -> ReviewStatus:
    """The status ``op`` moves a task in ``current`` to, or :class:`IllegalReviewTransition`."""
    target = TRANSITIONS[ReviewOp(op)].get(ReviewStatus(current))
    if target is None:
        raise IllegalReviewTransition(
            f"Cannot {ReviewOp(op)} a review that is {ReviewStatus(current)}",
            operation=str(op),
            status=str(current),
        )
    return target


def clean_resolution(value: str) -> str:
    if value not in RESOLUTIONS:
        raise InvalidInput(
            f"Invalid resolution {value!r}: use {', '.join(RESOLUTIONS)}", field="resolution"
        )
    return value


def clean_trigger(value: str) -> str:
    if value not in TRIGGERS:
        raise InvalidInput(f"Invalid trigger {value!r}: use {', '.join(TRIGGERS)}", field="trigger")
    return value


def sla_deadline(created_at: datetime, risk_level: str) -> datetime:
    """``created_at`` plus the SLA of the risk level (48 h for an unknown level)."""
    return created_at + timedelta(hours=SLA_HOURS.get(risk_level, DEFAULT_SLA_HOURS))


@dataclass(frozen=True)
class ReviewFacts:
    """What the queue hold needs to know about one review task of an intent."""

    status: str
    resolution: str | None
    notes: str
    completed_at: datetime | None


@dataclass(frozen=True)
class HoldVerdict:
    code: str
    reason: str
    rejects: bool
    details: Mapping[str, Any]


def approval_required(risk_level: str) -> bool:
    """Whether an intent of ``risk_level`` may merge only after an approved review."""
    return risk_level in APPROVAL_REQUIRED_LEVELS


def hold_verdict(
    reviews: Iterable[ReviewFacts], *, require_approval: bool = False
) -> HoldVerdict | None:
    """Whether an intent's reviews hold it back from the queue.

    Any open review holds (``review_pending``). Otherwise the latest completed review decides:
    ``rejected`` makes the queue reject the intent, ``deferred`` keeps holding until a later
    review approves, ``approved`` releases. Cancelled reviews do not count. With
    ``require_approval`` (a critical intent) no review at all also holds
    (``review_required``): only an approval releases it.
    """
    reviews = list(reviews)
    open_count = sum(1 for review in reviews if review.status in OPEN)
    if open_count:
        return HoldVerdict(
            code="review_pending",
            reason=f"{open_count} review(s) still pending",
            rejects=False,
            details={"pending_reviews": open_count},
        )
    completed = [r for r in reviews if r.status == ReviewStatus.COMPLETED and r.completed_at]
    if not completed:
        if require_approval:
            return HoldVerdict(
                code="review_required",
                reason="A critical intent merges only after an approved review",
                rejects=False,
                details={"required_trigger": POLICY_TRIGGER},
            )
        return None
    latest = max(completed, key=lambda review: review.completed_at)  # type: ignore[arg-type,return-value]
    if latest.resolution == "rejected":
        reason = f"Review rejected: {latest.notes}" if latest.notes else "Review rejected"
        return HoldVerdict("review_rejected", reason, True, {"notes": latest.notes})
    if latest.resolution == "deferred":
        return HoldVerdict("review_deferred", "Review deferred", False, {"notes": latest.notes})
    return None


def policy_review_due(risk_level: str, reviews: Iterable[ReviewFacts]) -> bool:
    """Whether Converge must request the policy review of an intent now: its level requires
    an approval and it has no review open or completed (cancelled ones do not count), so a
    revalidation never opens a second one and an approval is never asked for again."""
    if not approval_required(risk_level):
        return False
    verdict = hold_verdict(reviews, require_approval=True)
    return verdict is not None and verdict.code == "review_required"


def pick_reviewer(pool: Sequence[str], loads: Mapping[str, int]) -> str:
    """The least-loaded reviewer of ``pool``; ties go to the one listed first."""
    if not pool:
        raise InvalidInput("The reviewer pool is empty")
    return min(pool, key=lambda name: (loads.get(name, 0), pool.index(name)))


def parse_pool(value: str) -> tuple[str, ...]:
    """``CONVERGE_REVIEW_POOL``: a comma list; blanks and duplicates are dropped."""
    names: list[str] = []
    for raw in value.split(","):
        name = raw.strip()
        if name and name not in names:
            names.append(name)
    return tuple(names)


@dataclass(frozen=True)
class SweepThresholds:
    """The runbook's escalation table; the backlog counts pending + assigned tasks."""

    assign_after: timedelta = timedelta(hours=4)
    escalate_after: timedelta = timedelta(hours=8)
    backlog_limit: int = 10
