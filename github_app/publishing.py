"""Decisions as check-runs (and commit statuses): the outbox rows and their publication.

A decision sets the wanted state of the one check-run of its head SHA (``CheckRun``) and queues
its publication once the transaction commits. The publish task renders the summary from the
intent's last validation decision, creates the check-run (``POST /check-runs``) or updates the
one it created before (``PATCH /check-runs/{id}``), sends the conflict annotations in batches of
50, and skips an update GitHub already shows. A failure is recorded once per decision
(``github.decision_publish_failed``), left on the row and retried by the ``github-sweep``
with a growing back-off: never lost, and never raised into the webhook or the queue.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from github import GithubException
from requests import RequestException

from converge_core.errors import ConvergeError
from converge_core.github import (
    SUPERSEDED,
    CheckOutput,
    annotation_batches,
    check_state,
    commit_status_state,
    output_digest,
    render_output,
)
from github_app import client as github_client
from github_app.choices import PublishStatus
from github_app.models import CheckRun
from intents.decisions import decision_last
from intents.models import Intent
from ledger.append import event_append

logger = logging.getLogger(__name__)

STATUS_CONTEXT = "converge/risk-gate"
STATUS_DESCRIPTION_LIMIT = 140
MAX_BACKOFF_SECONDS = 3600
PUBLISH_LOCK_PREFIX = "github:publish:"
PUBLISH_LOCK_SECONDS = 120
PUBLISH_ROUNDS = 3
# Decisions whose summary shows the intent's last validation (the others say only what they are).
DETAILED = frozenset({"validated", "blocked", "rejected", "queued", "merged"})


def check_request(
    *,
    full_name: str,
    head_sha: str,
    intent_id: str,
    installation_id: int | None,
    decision: str,
    reason: str = "",
    trace_id: str | None = None,
    renew: bool = False,
) -> CheckRun | None:
    """Want ``decision`` shown on the check-run of ``head_sha``; published after commit.

    ``renew`` starts a new check-run (GitHub asked for a re-run) instead of updating the
    current one. Nothing happens while the App is not configured (interfaces §5.4).
    """
    if not github_client.is_enabled():
        return None
    name = settings.CONVERGE_GITHUB_CHECK_NAME
    now = timezone.now()
    with transaction.atomic():
        row, _ = CheckRun.objects.select_for_update().get_or_create(
            full_name=full_name,
            head_sha=head_sha,
            name=name,
            defaults={"intent_id": intent_id, "decision": decision},
        )
        row.intent_id = intent_id
        row.installation_id = installation_id or row.installation_id
        row.decision = decision
        row.reason = reason or ""
        row.trace_id = trace_id or ""
        row.status = PublishStatus.PENDING
        row.attempts = 0
        row.retry_at = now
        row.updated_at = now
        if renew:
            row.check_run_id = None
            row.published_digest = ""
        row.save()
        transaction.on_commit(partial(_enqueue, row.pk))
    return row


def _enqueue(row_id: int) -> None:
    from github_app.tasks import check_run_publish_task  # tasks import this module

    check_run_publish_task.delay(row_id)


def checks_supersede(*, intent_id: str, head_sha: str) -> int:
    """Close the intent's check-runs on older heads: a new head was pushed."""
    older = CheckRun.objects.filter(intent_id=intent_id).exclude(head_sha=head_sha)
    older = older.exclude(decision=SUPERSEDED).exclude(published_decision=SUPERSEDED)
    count = 0
    for row in older:
        check_request(
            full_name=row.full_name,
            head_sha=row.head_sha,
            intent_id=intent_id,
            installation_id=row.installation_id,
            decision=SUPERSEDED,
            reason=f"A newer head ({head_sha[:12]}) is validated instead",
        )
        count += 1
    return count


def _details(row: CheckRun) -> Mapping[str, Any]:
    if row.decision not in DETAILED:
        return {}
    last = decision_last(row.intent_id)
    if last is None:
        return {}
    decided = last.decision
    simulation = decided.get("simulation") if isinstance(decided.get("simulation"), dict) else {}
    # A decision about another head (the intent moved on) says nothing about this one.
    source_sha = simulation.get("source_sha")
    if source_sha and source_sha != row.head_sha and row.decision != "merged":
        return {}
    return decided


def render(row: CheckRun) -> CheckOutput:
    details = _details(row)
    return render_output(
        check_name=row.name,
        intent_id=row.intent_id,
        decision=row.decision,
        reason=row.reason or details.get("reason"),
        details=details,
        trace_id=row.trace_id or details.get("trace_id"),
    )


def check_run_publish(row_id: int) -> dict[str, Any]:
    """Show a row's decision on GitHub (a no-op when GitHub already shows it).

    One publisher per row at a time (a cache lock), so two workers never both create the
    check-run of a head; the holder publishes again if a newer decision arrived meanwhile, and
    a decision that still slips past is picked up by the sweep."""
    lock = f"{PUBLISH_LOCK_PREFIX}{row_id}"
    if not cache.add(lock, "1", timeout=PUBLISH_LOCK_SECONDS):
        return {"status": "busy"}
    try:
        outcome: dict[str, Any] = {"status": "nothing to do"}
        for _ in range(PUBLISH_ROUNDS):
            row = CheckRun.objects.filter(pk=row_id).first()
            if row is None or row.status == PublishStatus.PUBLISHED:
                break
            outcome = _publish(row)
            if outcome["status"] == "failed":
                break
        return outcome
    finally:
        cache.delete(lock)


def _publish(row: CheckRun) -> dict[str, Any]:
    wanted_at = row.updated_at
    output = render(row)
    state = check_state(row.decision)
    digest = output_digest(state, output)
    if digest == row.published_digest:
        _settle(row, wanted_at, digest=digest, check_run_id=row.check_run_id)
        return {"status": "unchanged", "check_run_id": row.check_run_id}
    try:
        check_run_id = _send(row, output)
    except (GithubException, RequestException, ConvergeError, OSError) as exc:
        return _failed(row, wanted_at, exc)
    _settle(row, wanted_at, digest=digest, check_run_id=check_run_id)
    intent = Intent.objects.filter(pk=row.intent_id).only("tenant_id").first()
    event_append(
        event_type="github.decision_published",
        intent_id=row.intent_id if intent is not None else None,
        tenant_id=intent.tenant_id if intent is not None else None,
        payload={
            "decision": row.decision,
            "head_sha": row.head_sha,
            "repo": row.full_name,
            "check_run_id": check_run_id,
        },
    )
    return {"status": "published", "check_run_id": check_run_id}


def _send(row: CheckRun, output: CheckOutput) -> int | None:
    installation_id = github_client.resolve_installation(row.installation_id)
    if installation_id is None:
        raise github_client.GithubNotConfigured(
            "no installation id (delivery, repository or CONVERGE_GITHUB_INSTALLATION_ID)"
        )
    try:
        return _send_as(installation_id, row, output)
    except GithubException as exc:
        if exc.status != 401:
            raise
        github_client.forget_token(installation_id)  # revoked or expired early: once more
        return _send_as(installation_id, row, output)


def _send_as(installation_id: int, row: CheckRun, output: CheckOutput) -> int | None:
    repo = github_client.client(installation_id).get_repo(row.full_name)
    mode = settings.CONVERGE_GITHUB_PUBLISH_MODE
    check_run_id = row.check_run_id
    if mode in ("checks", "both"):
        state = check_state(row.decision)
        batches = list(annotation_batches(output.annotations)) or [[]]
        fields: dict[str, Any] = {
            "status": state.status,
            "output": {"title": output.title, "summary": output.summary, "annotations": batches[0]},
        }
        if state.conclusion is not None:
            fields["conclusion"] = state.conclusion
            fields["completed_at"] = timezone.now()
        if check_run_id is None:
            run = repo.create_check_run(name=row.name, head_sha=row.head_sha, **fields)
            check_run_id = run.id
        else:
            run = repo.get_check_run(check_run_id)
            run.edit(**fields)
        for batch in batches[1:]:
            run.edit(
                output={"title": output.title, "summary": output.summary, "annotations": batch}
            )
    if mode in ("status", "both"):
        description = (row.reason or output.title)[:STATUS_DESCRIPTION_LIMIT]
        repo.get_commit(row.head_sha).create_status(
            state=commit_status_state(row.decision),
            description=description,
            context=STATUS_CONTEXT,
        )
    return check_run_id


def _settle(row: CheckRun, wanted_at: Any, *, digest: str, check_run_id: int | None) -> None:
    """Record what GitHub shows; the row stays pending if a newer decision arrived meanwhile."""
    CheckRun.objects.filter(pk=row.pk).update(
        check_run_id=check_run_id, published_digest=digest, published_decision=row.decision
    )
    CheckRun.objects.filter(pk=row.pk, updated_at=wanted_at).update(
        status=PublishStatus.PUBLISHED, last_error=""
    )


def _failed(row: CheckRun, wanted_at: Any, exc: Exception) -> dict[str, Any]:
    attempts = row.attempts + 1
    error = f"{type(exc).__name__}: {exc}"[:2000]
    backoff = min(60 * 2 ** (attempts - 1), MAX_BACKOFF_SECONDS)
    CheckRun.objects.filter(pk=row.pk, updated_at=wanted_at).update(
        status=PublishStatus.FAILED,
        attempts=attempts,
        last_error=error,
        retry_at=timezone.now() + timedelta(seconds=backoff),
    )
    logger.warning("publishing %s on %s failed: %s", row.decision, row.full_name, error)
    if attempts == 1:  # recorded once per decision; the sweep keeps retrying
        intent = Intent.objects.filter(pk=row.intent_id).only("tenant_id").first()
        event_append(
            event_type="github.decision_publish_failed",
            intent_id=row.intent_id if intent is not None else None,
            tenant_id=intent.tenant_id if intent is not None else None,
            payload={
                "decision": row.decision,
                "head_sha": row.head_sha,
                "repo": row.full_name,
                "error": error,
            },
        )
    return {"status": "failed", "error": error, "retry_in": backoff}


def publications_due(limit: int = 100) -> list[int]:
    """Rows whose publication is due: failed ones past their back-off, pending ones whose
    task was lost (older than a minute)."""
    now = timezone.now()
    failed = CheckRun.objects.filter(status=PublishStatus.FAILED, retry_at__lte=now)
    lost = CheckRun.objects.filter(
        status=PublishStatus.PENDING, updated_at__lte=now - timedelta(minutes=1)
    )
    ids = list(failed.values_list("pk", flat=True)[:limit])
    ids += list(lost.values_list("pk", flat=True)[: max(limit - len(ids), 0)])
    return ids
