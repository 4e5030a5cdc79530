"""Failure isolation: an unexpected error while processing one intent sets that intent aside.

The worker stages (first validation, queue runs) catch what they did not foresee for each
intent, record it here and go on with the rest of the batch. The intent is set aside with a
back-off (``converge_core.failures``) kept in a ``ProcessingFailure`` row: skipped until the
back-off runs out, or retried at once when the intent or its target changes (the back-off
then starts again at its first step). A success or ``queue reset --intent-id`` deletes the
row. ``intent.processing_failed`` is written for the first failure since the last success or
reset and again only when the error changes; every failure counts in the
``converge_intent_processing_failures`` counter and is logged with its traceback.

Not isolated: a database that is unreachable or busy (the task's retry policy covers it, and
setting an intent aside for it would blame the intent), the task's own time limit, and domain
errors (``ConvergeError``) where the stage turns them into decisions (a validation's block).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from converge_core.audit import format_timestamp
from converge_core.errors import ConvergeError
from converge_core.failures import Failure, backoff_seconds
from converge_core.states import ACTIVE
from intents.models import Intent, ProcessingFailure, Repository
from interfaces.transient import TRANSIENT_ERRORS
from ledger.append import event_append

logger = logging.getLogger("converge.worker")


def is_isolated(error: BaseException) -> bool:
    """Whether ``error`` is one intent's unexpected failure (set it aside, go on)."""
    # Celery's time-limit error is imported here, when an error is met: a command that never
    # fails an intent does not import Celery.
    from celery.exceptions import SoftTimeLimitExceeded

    not_isolated = (ConvergeError, *TRANSIENT_ERRORS, SoftTimeLimitExceeded)
    return isinstance(error, Exception) and not isinstance(error, not_isolated)


def _target_head(repository: Repository, target: str) -> str:
    """The target's head, or ``""`` when it cannot be read (the comparison still works)."""
    from intents.gitaccess import git_for  # the git engine: only when a failure is compared

    try:
        return git_for(repository).head(target) or ""
    except (ConvergeError, OSError):
        return ""


def failure_record(*, intent_id: str, stage: str, error: BaseException) -> dict[str, Any]:
    """Set ``intent_id`` aside after ``error``; the event is written only for a new failure:
    the first since the intent last succeeded (or was reset), or a different error."""
    from interfaces.metrics import observe_processing_failure  # prometheus: only on a failure

    failure = Failure.of(stage, error)
    observe_processing_failure(stage, failure.error_class)
    intent = Intent.objects.select_related("repository").filter(pk=intent_id).first()
    if intent is None:  # deleted meanwhile: nothing to set aside
        return {"decision": "processing_failed", **failure.as_payload(), "recorded": False}
    head = _target_head(intent.repository, intent.target)
    now = timezone.now()
    with transaction.atomic():
        previous = ProcessingFailure.objects.select_for_update().filter(intent_id=intent_id).first()
        # The back-off doubles while nothing changes; a change of the intent or its target
        # starts it again at the first step.
        streak = (
            previous is not None
            and previous.intent_updated_at == intent.updated_at
            and previous.target_sha == head
        )
        failures = previous.failures + 1 if streak and previous is not None else 1
        retry_at = now + timedelta(seconds=backoff_seconds(failures))
        recorded = (
            previous is None
            or Failure(previous.stage, previous.error_class, previous.message) != failure
        )
        ProcessingFailure.objects.update_or_create(
            intent_id=intent_id,
            defaults={
                **failure.as_payload(),
                "failures": failures,
                "first_failed_at": previous.first_failed_at if streak and previous else now,
                "last_failed_at": now,
                "retry_at": retry_at,
                "intent_updated_at": intent.updated_at,
                "target_sha": head,
            },
        )
        if recorded:
            event_append(
                event_type="intent.processing_failed",
                intent_id=intent_id,
                tenant_id=intent.tenant_id,
                payload=failure.as_payload(),
                evidence={"failures": failures, "retry_at": format_timestamp(retry_at)},
            )
    logger.error(
        "%s set aside until %s after %s in %s (failure %d): %s",
        intent_id,
        format_timestamp(retry_at),
        failure.error_class,
        stage,
        failures,
        failure.message,
        exc_info=error,
        extra={"intent_id": intent_id},
    )
    return {
        "decision": "processing_failed",
        **failure.as_payload(),
        "failures": failures,
        "retry_at": format_timestamp(retry_at),
        "recorded": recorded,
    }


def _is_stale(row: ProcessingFailure, heads: dict[tuple[int, str], str]) -> bool:
    """The intent finished or changed, or its target moved, since it failed."""
    intent = row.intent
    if intent.status not in ACTIVE or intent.updated_at != row.intent_updated_at:
        return True
    pair = (intent.repository_id, intent.target)
    if pair not in heads:
        heads[pair] = _target_head(intent.repository, intent.target)
    return heads[pair] != row.target_sha


def failures_on_record(
    *, intent_ids: Iterable[str] | None = None, repository: Repository | None = None
) -> dict[str, ProcessingFailure]:
    """The last failure of each intent (of ``intent_ids`` or ``repository``, or all) that has
    not succeeded since, by id."""
    rows = ProcessingFailure.objects.select_related("intent", "intent__repository")
    if intent_ids is not None:
        rows = rows.filter(intent_id__in=list(intent_ids))
    if repository is not None:
        rows = rows.filter(intent__repository=repository)
    return {row.intent_id: row for row in rows}


def in_force(rows: Mapping[str, ProcessingFailure]) -> dict[str, ProcessingFailure]:
    """Those of ``rows`` whose back-off sets their intent aside now: not run out, and neither
    the intent nor its target changed since it failed. A row whose back-off ended stays: it
    remembers the failure, so the same error is not recorded again."""
    heads: dict[tuple[int, str], str] = {}
    now = timezone.now()
    return {
        intent_id: row
        for intent_id, row in rows.items()
        if row.retry_at > now and not _is_stale(row, heads)
    }


def backoffs_in_force(
    *, intent_ids: Iterable[str] | None = None, repository: Repository | None = None
) -> dict[str, ProcessingFailure]:
    """The intents set aside now (of ``intent_ids`` or ``repository``, or all), by id."""
    return in_force(failures_on_record(intent_ids=intent_ids, repository=repository))


def failure_clear(intent_id: str) -> bool:
    """Forget the intent's failures (it succeeded, or an operator reset it)."""
    deleted, _ = ProcessingFailure.objects.filter(intent_id=intent_id).delete()
    return bool(deleted)


def failure_serialize(row: ProcessingFailure, *, in_force: bool) -> dict[str, Any]:
    return {
        "intent_id": row.intent_id,
        "stage": row.stage,
        "error_class": row.error_class,
        "message": row.message,
        "failures": row.failures,
        "first_failed_at": format_timestamp(row.first_failed_at),
        "last_failed_at": format_timestamp(row.last_failed_at),
        "retry_at": format_timestamp(row.retry_at),
        "set_aside": in_force,
    }


def failure_of(intent_id: str) -> dict[str, Any] | None:
    """What ``intent status`` shows: the intent's last failure and whether it sets the intent
    aside now (a changed intent or a moved target ends the back-off)."""
    rows = failures_on_record(intent_ids=[intent_id])
    if not rows:
        return None
    return failure_serialize(rows[intent_id], in_force=bool(in_force(rows)))


def set_aside_list(*, repository: Repository | None = None) -> list[dict[str, Any]]:
    """The intents set aside now (of one repository), soonest retry first."""
    rows = sorted(
        backoffs_in_force(repository=repository).values(),
        key=lambda row: (row.retry_at, row.intent_id),
    )
    return [failure_serialize(row, in_force=True) for row in rows]
