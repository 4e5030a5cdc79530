"""The intent lifecycle: statuses, the causes of a status change and what each cause allows.

Every status change in Converge names its cause; the guard below is the single table of legal
moves. ``admin_override`` and ``external_reopen`` (a rejected pull request reopened) are the only
causes that may leave a terminal status.
"""

from __future__ import annotations

from enum import StrEnum

from converge_core.errors import Conflict


class Status(StrEnum):
    READY = "READY"
    VALIDATED = "VALIDATED"
    QUEUED = "QUEUED"
    MERGED = "MERGED"
    REJECTED = "REJECTED"


class Cause(StrEnum):
    VALIDATE_OK = "validate_ok"
    QUEUE_REVALIDATE_OK = "queue_revalidate_ok"
    QUEUE_BLOCK = "queue_block"
    MERGE_OK = "merge_ok"
    MERGE_FAILED = "merge_failed"
    CONFIRM = "confirm"
    EXTERNAL_CLOSE = "external_close"
    SOURCE_PUSHED = "source_pushed"
    EXTERNAL_REOPEN = "external_reopen"  # a closed pull request reopened
    ADMIN_OVERRIDE = "admin_override"


ACTIVE = frozenset({Status.READY, Status.VALIDATED, Status.QUEUED})
# what the merge queue takes: validated once, revalidated against the target's head
QUEUEABLE = frozenset({Status.VALIDATED, Status.QUEUED})
TERMINAL = frozenset({Status.MERGED, Status.REJECTED})
_ANY = frozenset(Status)

# cause -> {from status -> allowed target statuses}
TRANSITIONS: dict[Cause, dict[Status, frozenset[Status]]] = {
    Cause.VALIDATE_OK: {s: frozenset({Status.VALIDATED}) for s in ACTIVE},
    Cause.QUEUE_REVALIDATE_OK: {
        Status.VALIDATED: frozenset({Status.QUEUED}),
        Status.QUEUED: frozenset({Status.QUEUED}),
    },
    Cause.QUEUE_BLOCK: {
        Status.VALIDATED: frozenset({Status.READY, Status.REJECTED}),
        Status.QUEUED: frozenset({Status.READY, Status.REJECTED}),
    },
    Cause.MERGE_OK: {Status.QUEUED: frozenset({Status.MERGED})},
    Cause.MERGE_FAILED: {Status.QUEUED: frozenset({Status.READY, Status.REJECTED})},
    Cause.CONFIRM: {
        Status.VALIDATED: frozenset({Status.MERGED}),
        Status.QUEUED: frozenset({Status.MERGED}),
    },
    Cause.EXTERNAL_CLOSE: {s: frozenset(TERMINAL) for s in ACTIVE},
    Cause.SOURCE_PUSHED: {s: frozenset({Status.READY}) for s in ACTIVE},
    Cause.EXTERNAL_REOPEN: {Status.REJECTED: frozenset({Status.READY})},
    Cause.ADMIN_OVERRIDE: {s: _ANY for s in Status},
}


class IllegalTransition(Conflict):
    """A status change the lifecycle does not allow for the given cause."""

    code = "conflict"


def is_allowed(cause: Cause | str, current: Status | str, target: Status | str) -> bool:
    """Whether ``cause`` may move an intent from ``current`` to ``target``."""
    allowed = TRANSITIONS[Cause(cause)].get(Status(current), frozenset())
    return Status(target) in allowed


def check_transition(cause: Cause | str, current: Status | str, target: Status | str) -> None:
    """Raise :class:`IllegalTransition` unless the move is allowed."""
    if not is_allowed(cause, current, target):
        raise IllegalTransition(
            f"Illegal transition {Status(current)} -> {Status(target)} for cause {Cause(cause)}",
            current=str(current),
            target=str(target),
            cause=str(cause),
        )
