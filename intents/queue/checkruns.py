"""The checks of one tree, run as rows that any worker may claim.

The queue writes one ``CheckRun`` row per check of the tree it tests, offers each row to the
workers as a Celery task (``check_run_task``) and then runs whatever is still pending itself, so
several workers test the checks of a tree in parallel and a lone ``queue run`` (or a worker
with one slot) never waits for a task nobody takes. A claim is a compare-and-swap of the row
from ``pending`` to ``running``; a run whose claimer vanished is taken over after the check
timeout. A failed check is run again on the same tree up to ``checks.flaky_retries`` times;
one that fails and then passes is flaky.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from converge_core.checks import CheckOutcome, CheckRunState, run_check
from intents.gitaccess import git_for
from intents.models import CheckRun, Repository
from interfaces.workerstate import current_worker_state

POLL_SECONDS = 0.1
# Seconds past the check timeout after which a running row whose claimer went silent is
# claimed again.
TAKEOVER_SLACK = 30.0


@dataclass(frozen=True)
class TreeCheck:
    """The verdict on one check of one tree after its re-runs."""

    outcome: CheckOutcome
    attempts: int
    flaky: bool  # failed, then passed on the same tree

    @property
    def passed(self) -> bool:
        return self.outcome.passed

    def to_payload(self) -> dict[str, Any]:
        return {
            "check_type": self.outcome.check_type,
            "status": self.outcome.status,
            "duration_ms": self.outcome.duration_ms,
            "attempts": self.attempts,
            "flaky": self.flaky,
        }


def tree_checks_run(
    *,
    repository: Repository,
    tree_sha: str,
    commands: Mapping[str, Sequence[str] | None],
    flaky_retries: int,
    holder: str,
) -> dict[str, TreeCheck]:
    """Run every check of ``commands`` on ``tree_sha``; a check without a command is
    ``not_configured`` and runs nowhere."""
    verdicts: dict[str, TreeCheck] = {}
    failures: dict[str, int] = {}
    todo = {name: list(command) for name, command in commands.items() if command}
    for name, command in commands.items():
        if not command:
            outcome = run_check(name, None, cwd=None, timeout=0, output_limit=0)
            verdicts[name] = TreeCheck(outcome, 0, False)
    attempts = dict.fromkeys(todo, 0)
    while todo:
        rows = [_create(repository, tree_sha, name, command) for name, command in todo.items()]
        _offer(rows)
        _drain(rows, holder)
        again: dict[str, list[str]] = {}
        for row in rows:
            name = row.check_type
            attempts[name] += 1
            outcome = _outcome(row)
            if not outcome.passed:
                failures[name] = failures.get(name, 0) + 1
                if attempts[name] <= flaky_retries:
                    again[name] = todo[name]
                    continue
            verdicts[name] = TreeCheck(
                outcome, attempts[name], outcome.passed and failures.get(name, 0) > 0
            )
        todo = again
    return {name: verdicts[name] for name in commands}


def _create(repository: Repository, tree_sha: str, name: str, command: list[str]) -> CheckRun:
    for _ in range(3):
        last = CheckRun.objects.filter(
            repository=repository, tree_sha=tree_sha, check_type=name
        ).aggregate(last=Max("attempt"))["last"]
        try:
            with transaction.atomic():
                return CheckRun.objects.create(
                    repository=repository,
                    tree_sha=tree_sha,
                    check_type=name,
                    attempt=(last or 0) + 1,
                    command=command,
                )
        except IntegrityError:  # another runner took that attempt number: take the next
            continue
    raise IntegrityError(f"could not number a run of {name} on {tree_sha}")


def _offer(rows: list[CheckRun]) -> None:
    """Hand the rows to the workers: under a worker (or eager Celery) as tasks; a lone
    command runs them itself."""
    eager = getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False)
    if not eager and current_worker_state() is None:
        return
    from intents.tasks import check_run_task

    for row in rows:
        check_run_task.apply_async((row.pk,), expires=settings.CONVERGE_CHECK_TIMEOUT)


def _drain(rows: list[CheckRun], holder: str) -> None:
    """Run the pending rows here, then wait for those other workers claimed."""
    waiting = {row.pk for row in rows}
    while waiting:
        for pk in sorted(waiting):
            check_run_execute(run_id=pk, holder=holder)
        finished = set(
            CheckRun.objects.filter(pk__in=waiting)
            .exclude(state__in=(CheckRunState.PENDING, CheckRunState.RUNNING))
            .values_list("pk", flat=True)
        )
        waiting -= finished
        if waiting:
            time.sleep(POLL_SECONDS)
    for row in rows:
        row.refresh_from_db()


def _claim(run_id: int, holder: str) -> bool:
    now = timezone.now()
    stale = now - timedelta(seconds=settings.CONVERGE_CHECK_TIMEOUT + TAKEOVER_SLACK)
    pending = CheckRun.objects.filter(pk=run_id, state=CheckRunState.PENDING)
    if pending.update(state=CheckRunState.RUNNING, claimed_by=holder, started_at=now):
        return True
    abandoned = CheckRun.objects.filter(
        pk=run_id, state=CheckRunState.RUNNING, started_at__lt=stale
    )
    return bool(abandoned.update(claimed_by=holder, started_at=now))


def check_run_execute(*, run_id: int, holder: str) -> str | None:
    """Claim one pending run and execute it on its tree; ``None`` when someone else has it
    (or it is finished). Returns the state it ended in."""
    if not _claim(run_id, holder):
        return None
    run = CheckRun.objects.select_related("repository").get(pk=run_id)
    with git_for(run.repository).materialize(run.tree_sha) as workdir:
        outcome = run_check(
            run.check_type,
            tuple(run.command),
            cwd=workdir,
            timeout=settings.CONVERGE_CHECK_TIMEOUT,
            output_limit=settings.CONVERGE_CHECK_OUTPUT_LIMIT,
        )
    CheckRun.objects.filter(pk=run_id, claimed_by=holder).update(
        state=outcome.status,
        details=outcome.details,
        duration_ms=outcome.duration_ms,
        exit_code=outcome.exit_code,
        finished_at=timezone.now(),
    )
    return outcome.status


def _outcome(row: CheckRun) -> CheckOutcome:
    return CheckOutcome(row.check_type, row.state, row.details, row.duration_ms, row.exit_code)
