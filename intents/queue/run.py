"""``queue run``: revalidate and merge the queue of a (repository, target), safely.

For each target: take the queue lock, order the candidates (VALIDATED and QUEUED, priority
then age, dependencies first), chain the whole batch in memory on top of the target to find
speculative conflicts, then walk the batch: dependency and review holds, the retry bound,
a revalidation against the target's current head, and — with ``auto_confirm`` — a merge whose
target update is a compare-and-swap. A moved target is revalidated and merged again (at most
three times, no retry charged); a dirty checkout refuses the merge and changes nothing.

A QUEUED intent whose inputs (SHAs, fields, policy, flags, reviews…) are unchanged since its
last decision is skipped without a write; a run that decided nothing leaves no trace in the
log (decisions §39). A conflict with the target names the merged intents whose merges touched
the conflicting files since the source forked (decisions §12).
An unexpected error while processing one intent sets that intent aside (``intents.failures``)
and the walk goes on with the next one; an intent set aside is skipped until its back-off ends.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from converge_core.audit import format_timestamp
from converge_core.checks import CheckOutcome
from converge_core.errors import Conflict, ConvergeError, OperationFailed
from converge_core.failures import STAGE_QUEUE
from converge_core.git import CheckoutUpdateFailed, DirtyCheckout, Simulation, TargetMoved
from converge_core.hooks import MERGE_FAILED, MERGED, MergeOutcome, QueueHold
from converge_core.progress import SILENT, Progress
from converge_core.queue import (
    Candidate,
    dependency_verdict,
    order_batch,
    retry_outcome,
    visible_statuses,
)
from converge_core.queuetime import Freeze
from converge_core.states import QUEUEABLE, Cause, Status
from converge_core.validation import BLOCKED, ValidationDecision
from flags.selectors import flag_is_enabled
from intents.choices import CommitRole
from intents.decisions import InputsContext, decisions_unchanged, extension_inputs
from intents.failures import (
    failure_clear,
    failure_record,
    failures_on_record,
    in_force,
    is_isolated,
)
from intents.gitaccess import git_for
from intents.hooks import queue_holds
from intents.locks import (
    claim_intent,
    lock_acquire,
    lock_describe,
    lock_holder,
    lock_name,
    lock_release,
    lock_renew,
    lock_serialize,
    process_holder,
    release_claim,
)
from intents.models import CommitLink, Intent, ProcessingFailure, Repository
from intents.policyconfig import policy_config
from intents.queue.conflicts import merged_intents_behind
from intents.queue.controls import (
    batching_applies,
    in_queue_order,
    jump_clear,
    jumped_ids,
    merge_hold,
)
from intents.queue.executors import merge_elsewhere
from intents.services import intent_transition
from intents.validation import ValidationOptions, after_decision, intent_decide
from ledger.append import event_append
from ledger.selectors import latest_events

MERGE_ATTEMPTS = 3
# Seconds between two renewals of a run's lock (far below any TTL): an idle walk over a long
# queue renews it once, not once per intent.
LOCK_RENEW_INTERVAL = 1.0
BLOCK_EVENTS = ("intent.dependency_blocked", "intent.speculative_conflict")


class QueueLockHeld(OperationFailed):
    code = "queue_lock_held"


@dataclass(frozen=True)
class QueueOptions:
    limit: int = 20
    targets: list[str] | None = None  # None: every target with candidates
    auto_confirm: bool = False
    max_retries: int | None = None
    use_last_simulation: bool = False
    skip_checks: bool = False
    wait: float | None = None  # seconds to wait for a held lock (default: the lock TTL)


@dataclass
class TargetRun:
    """State of the walk over one target's batch."""

    repository: Repository
    target: str
    options: QueueOptions
    holder: str
    max_retries: int
    lock: str
    statuses: dict[str, str] = field(default_factory=dict)
    graph: dict[str, list[str]] = field(default_factory=dict)
    tenants: dict[str, str | None] = field(default_factory=dict)
    holds: dict[str, QueueHold] = field(default_factory=dict)
    extensions: dict[str, dict[str, str]] = field(default_factory=dict)
    unchanged: set[str] = field(default_factory=set)  # QUEUED with their last inputs
    failures: dict[str, ProcessingFailure] = field(default_factory=dict)
    set_aside: dict[str, ProcessingFailure] = field(default_factory=dict)
    last_blocks: dict[str, Mapping[str, Any]] = field(default_factory=dict)
    speculative: dict[str, dict[str, Any]] = field(default_factory=dict)
    # The chain's clean steps: intent id -> (source SHA, merged tree, its own changes when
    # known, ids merged before it).
    chained: dict[str, tuple[str, str, tuple[str, ...] | None, tuple[str, ...]]] = field(
        default_factory=dict
    )
    # The target's head as this run moved it from where the chain started, and the ids it
    # merged since, in order (None: the chain's trees no longer apply).
    chain_head: tuple[str, tuple[str, ...]] | None = None
    target_conflicts: dict[str, list[str]] = field(default_factory=dict)
    merges_refused: str | None = None
    merges_held: str | None = None  # paused or frozen: revalidate, do not merge
    freeze: Freeze | None = None  # a freeze in force that lets some risk levels merge
    jumped: set[str] = field(default_factory=set)  # intents an operator put at the head
    results: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[dict[str, Any]] = field(default_factory=list)
    processed: int = 0
    decided: int = 0  # results that wrote an event
    renewed_at: float = 0.0  # when the lock was last acquired or renewed (monotonic)


def resolve_max_retries(explicit: int | None) -> int:
    """``--max-retries`` > ``CONVERGE_MAX_RETRIES`` > policy ``queue.max_retries`` > 3."""
    if explicit is not None:
        return explicit
    if settings.CONVERGE_MAX_RETRIES is not None:
        return settings.CONVERGE_MAX_RETRIES
    return policy_config().queue.max_retries


def default_target() -> str:
    return policy_config().queue.default_target


def queue_run(
    *,
    repository: Repository,
    options: QueueOptions,
    holder: str | None = None,
    on_wait: Callable[[dict[str, Any]], None] | None = None,
    should_stop: Callable[[], bool] = lambda: False,
    progress: Progress = SILENT,
) -> dict[str, Any]:
    """Process the queue of every selected target of ``repository``."""
    holder = holder or process_holder()
    targets = options.targets
    if targets is None:
        targets = sorted(
            set(
                Intent.objects.filter(repository=repository, status__in=QUEUEABLE).values_list(
                    "target", flat=True
                )
            )
        )
    max_retries = resolve_max_retries(options.max_retries)
    outcome: dict[str, Any] = {
        "targets": targets,
        "results": [],
        "skipped": [],
        "processed": 0,
        "decided": 0,
    }
    for target in targets:
        if should_stop():
            break
        hold = merge_hold(repository, target) if options.auto_confirm else None
        run = TargetRun(
            repository=repository,
            target=target,
            options=replace(options, auto_confirm=False) if hold and hold.total else options,
            holder=holder,
            max_retries=max_retries,
            lock=lock_name(repository, target),
            merges_held=hold.reason if hold else None,
            freeze=hold.freeze if hold and not hold.total else None,
        )
        if hold is not None:
            outcome.setdefault("held", []).append(hold.to_dict(target))
        _acquire(run, on_wait)
        try:
            _walk(run, should_stop, progress)
        finally:
            lock_release(run.lock, holder=holder)
        if run.decided:  # a run that decided nothing (holds, skips) leaves no trace in the log
            event_append(
                event_type="queue.processed",
                payload={
                    "processed": run.processed,
                    "limit": options.limit,
                    "target": target,
                    "repository": repository.name,
                    "results": len(run.results),
                    "skipped": len(run.skipped),
                },
                evidence={"count": run.processed},
            )
        outcome["results"] += run.results
        outcome["skipped"] += run.skipped
        outcome["processed"] += run.processed
        outcome["decided"] += run.decided
        if run.merges_refused:
            outcome["error"] = {"code": "merge_refused", "message": run.merges_refused}
    return outcome


def _acquire(run: TargetRun, on_wait: Callable[[dict[str, Any]], None] | None) -> None:
    ttl = settings.CONVERGE_QUEUE_LOCK_TTL
    wait = ttl if run.options.wait is None else run.options.wait
    deadline = time.monotonic() + wait
    told = False
    while True:
        if lock_acquire(run.repository, run.target, holder=run.holder, ttl=ttl):
            run.renewed_at = time.monotonic()
            return
        current = lock_holder(run.lock)
        if current is None:
            continue  # released between our two queries: try again at once
        info = lock_serialize(current)
        if not told and on_wait is not None:
            on_wait(info)
            told = True
        if time.monotonic() >= deadline:
            raise QueueLockHeld(f"Queue lock {run.lock} is {lock_describe(info)}", lock=info)
        time.sleep(min(0.5, max(0.05, deadline - time.monotonic())))


def _load(run: TargetRun) -> list[Intent]:
    candidates = list(
        Intent.objects.filter(
            repository=run.repository,
            target=run.target,
            status__in=QUEUEABLE,
        )
        .select_related("repository")
        .order_by("priority", "created_at", "id")
    )
    run.jumped = jumped_ids([intent.id for intent in candidates])
    candidates = in_queue_order(candidates, run.jumped)
    by_id = {intent.id: intent for intent in candidates}
    ordered = order_batch(
        [
            Candidate(i.id, i.priority, tuple(i.dependencies), i.retries, i.tenant_id)
            for i in candidates
        ]
    )
    # Statuses, tenants and dependencies of everything the batch depends on, followed to
    # closure so cycles through intents outside the batch are seen too. The tenants confine
    # each dependent to its own tenant's intents (see converge_core.queue).
    frontier = {dep for intent in candidates for dep in intent.dependencies}
    run.graph = {intent.id: list(intent.dependencies) for intent in candidates}
    run.statuses = {intent.id: intent.status for intent in candidates}
    run.tenants = {intent.id: intent.tenant_id for intent in candidates}
    while frontier - run.statuses.keys():
        rows = Intent.objects.filter(pk__in=frontier - run.statuses.keys()).values_list(
            "id", "status", "tenant_id", "dependencies"
        )
        missing = frontier - run.statuses.keys()
        for intent_id, status, tenant_id, deps in rows:
            run.statuses[intent_id] = status
            run.tenants[intent_id] = tenant_id
            run.graph[intent_id] = list(deps)
            frontier |= set(deps)
        unknown = missing - run.statuses.keys()
        frontier -= unknown
    ids = list(by_id)
    run.failures = failures_on_record(intent_ids=ids)
    run.set_aside = in_force(run.failures)
    for hold_check in queue_holds():
        for intent_id, hold in hold_check(ids).items():
            run.holds.setdefault(intent_id, hold)
    run.extensions = extension_inputs(ids)
    if not run.options.auto_confirm:
        context = InputsContext(config=policy_config(), skip_checks=run.options.skip_checks)
        queued = [intent for intent in candidates if intent.status == Status.QUEUED]
        run.unchanged = decisions_unchanged(queued, context=context, extensions=run.extensions)
    for intent_id, event in latest_events(intent_ids=ids, event_type=BLOCK_EVENTS).items():
        run.last_blocks.setdefault(intent_id, {"event_type": event.event_type, **event.payload})
    return [by_id[candidate.intent_id] for candidate in ordered]


def _plausible(run: TargetRun, batch: list[Intent]) -> list[Intent]:
    """Candidates that can merge in this run, in order: their dependencies are merged or
    merge earlier in the batch, nothing holds or sets them aside and their retries are not
    exhausted."""
    plan = flag_is_enabled("plan_coordination")
    will_merge: set[str] = set()
    plausible = []
    for intent in batch:
        if intent.id in run.holds or intent.id in run.set_aside:
            continue
        if intent.retries >= run.max_retries:
            continue
        visible = visible_statuses(intent.id, intent.dependencies, run.statuses, run.tenants)
        if plan and any(
            visible.get(dep) != Status.MERGED and (dep not in will_merge or dep not in visible)
            for dep in intent.dependencies
        ):
            continue
        plausible.append(intent)
        will_merge.add(intent.id)
    return plausible


def _chain(run: TargetRun, plausible: list[Intent]) -> None:
    """Speculative check of the whole batch: who conflicts with whom, before merging."""
    if len(plausible) < 2:
        return
    git = git_for(run.repository)
    start = git.head(run.target)
    try:
        steps = git.simulate_chain(run.target, [intent.source for intent in plausible])
    except ConvergeError:
        return  # an unknown ref: that intent's own revalidation reports it
    if start is not None and git.head(run.target) == start:
        run.chain_head = (start, ())
    before: tuple[str, ...] = ()
    for step in steps:
        if step.mergeable:
            chained = (step.source_sha, step.tree_sha, step.files_changed, before)
            run.chained[plausible[step.index].id] = chained
            before += (plausible[step.index].id,)
            continue
        names = [plausible[index].id for index in step.conflicts_with]
        intent = plausible[step.index]
        if step.conflicts_with_target:
            run.target_conflicts[intent.id] = names
        else:
            run.speculative[intent.id] = {"conflicts_with": names, "files": list(step.conflicts)}


def _walk(run: TargetRun, should_stop: Callable[[], bool], progress: Progress) -> None:
    batch = _load(run)
    # The batch is what this run can merge: the first ``limit`` plausible candidates. Chaining
    # the whole backlog every cycle would cost the square of its length; a candidate beyond
    # the prefix that conflicts with a merge of this run is a conflict with the target.
    # A prefix of QUEUED intents with unchanged inputs needs no chain: none of them is
    # revalidated, and what the chain would find it found when they were decided.
    prefix = _plausible(run, batch)[: run.options.limit]
    if any(intent.id not in run.unchanged for intent in prefix):
        _chain(run, prefix)
    progress.start(f"Queue {run.repository.name}:{run.target}", len(batch))
    if batching_applies(run.options):
        from intents.queue.batches import walk_batched

        walk_batched(run, batch, should_stop, progress)
        return
    for intent in batch:
        if run.processed >= run.options.limit or should_stop() or run.merges_refused:
            break
        _keep_lock(run)
        _process_isolated(run, intent)
        progress.advance()


def _keep_lock(run: TargetRun) -> None:
    if time.monotonic() - run.renewed_at < LOCK_RENEW_INTERVAL:
        return
    if not lock_renew(run.lock, holder=run.holder, ttl=settings.CONVERGE_QUEUE_LOCK_TTL):
        raise QueueLockHeld(
            f"Queue lock {run.lock} was lost (expired and taken over, or its session ended)"
        )
    run.renewed_at = time.monotonic()


def record(
    run: TargetRun, intent: Intent, decision: dict[str, Any], *, counts: bool, decided: bool
) -> None:
    """A result of the run; ``counts`` toward ``limit``, ``decided`` (an event was written)."""
    run.results.append({"intent_id": intent.id, "target": run.target, **decision})
    if counts:
        run.processed += 1
    if decided:
        run.decided += 1


def skip(run: TargetRun, intent: Intent, decision: str, reason: str) -> None:
    run.skipped.append(
        {"intent_id": intent.id, "target": run.target, "decision": decision, "reason": reason}
    )


def process_isolated(run: TargetRun, intent: Intent, step: Callable[..., Any]) -> Any:
    """Run ``step`` for one intent; what it raises unexpectedly sets it aside, not the run
    (the result is then ``None``)."""
    try:
        return step(run, intent)
    except Conflict as exc:  # changed by someone else meanwhile: nothing to record
        skip(run, intent, "status_changed", exc.message)
    except Exception as exc:
        # A domain error that escapes the revalidation (git failing during the merge, say)
        # is this intent's failure as well; an unreachable database or the time limit is not.
        if not (is_isolated(exc) or isinstance(exc, ConvergeError)):
            raise
        record_failure(run, intent, exc)
    return None


def record_failure(run: TargetRun, intent: Intent, exc: Exception) -> None:
    failed = failure_record(intent_id=intent.id, stage=STAGE_QUEUE, error=exc)
    if failed["recorded"]:
        record(run, intent, failed, counts=False, decided=True)
    else:
        skip(run, intent, "processing_failed", failed["message"])


def _process_isolated(run: TargetRun, intent: Intent) -> None:
    process_isolated(run, intent, _process)


def screen(run: TargetRun, intent: Intent) -> bool:
    """Everything decided before an intent's revalidation: its status, a back-off, its
    dependencies, the retry bound, the holds and speculative conflicts. True when the intent
    goes on to be revalidated (and merged)."""
    intent.refresh_from_db()
    if intent.status not in QUEUEABLE:
        skip(run, intent, "status_changed", f"now {intent.status}")
        return False
    failure = run.set_aside.get(intent.id)
    if failure is not None:
        skip(
            run,
            intent,
            "set_aside",
            f"set aside until {format_timestamp(failure.retry_at)} after {failure.error_class} "
            f"in {failure.stage}: {failure.message}",
        )
        return False
    if flag_is_enabled("plan_coordination") and _dependency_blocked(run, intent):
        return False
    if intent.retries >= run.max_retries:
        _reject(run, intent, f"Max retries ({run.max_retries}) exceeded")
        return False
    hold = run.holds.get(intent.id)
    if hold is not None:
        _held(run, intent, hold)
        return False
    if intent.id in run.speculative:
        _speculative_conflict(run, intent)
        return False
    if _unchanged(run, intent):
        skip(run, intent, "unchanged", UNCHANGED)
        return False
    return True


def _process(run: TargetRun, intent: Intent) -> None:
    if not screen(run, intent):
        return
    ttl = settings.CONVERGE_QUEUE_LOCK_TTL
    if not claim_intent(intent.id, holder=run.holder, ttl=ttl):
        skip(run, intent, "claimed", f"claimed by {intent.claimed_by}")
        return
    try:
        _revalidate_and_merge(run, intent)
    finally:
        release_claim(intent.id, holder=run.holder)
    if intent.id in run.failures:  # processed without an error this time
        failure_clear(intent.id)


def _held(run: TargetRun, intent: Intent, hold: QueueHold) -> None:
    if hold.rejects:
        _reject(run, intent, hold.reason)
        return
    record(
        run,
        intent,
        {"decision": hold.code, "reason": hold.reason, **dict(hold.details)},
        counts=False,
        decided=False,
    )


def _hold_now(intent_id: str) -> QueueHold | None:
    """The first hold of one intent, asked again after the batch's holds were collected."""
    for hold_check in queue_holds():
        hold = hold_check([intent_id]).get(intent_id)
        if hold is not None:
            return hold
    return None


UNCHANGED = "nothing it depends on changed since its last decision"


def _unchanged(run: TargetRun, intent: Intent) -> bool:
    """A QUEUED intent with the inputs of its last decision: without auto-confirm there is
    nothing to do (found for the whole batch before the walk; no claim, write or git)."""
    return intent.status == Status.QUEUED and intent.id in run.unchanged


def _dependency_blocked(run: TargetRun, intent: Intent) -> bool:
    verdict = dependency_verdict(
        intent.id, intent.dependencies, run.statuses, run.graph, run.tenants
    )
    if verdict is None:
        return False
    payload = verdict.as_payload(intent.dependencies, intent.plan_id)
    last = run.last_blocks.get(intent.id)
    unchanged = (
        last is not None
        and last["event_type"] == "intent.dependency_blocked"
        and last.get("reason") == payload["reason"]
        and last.get("unmet_dependencies") == payload["unmet_dependencies"]
    )
    if unchanged:
        skip(run, intent, "dependency_blocked", verdict.reason)
        return True
    event_append(
        event_type="intent.dependency_blocked",
        intent_id=intent.id,
        tenant_id=intent.tenant_id,
        payload=payload,
        evidence={"unmet_count": len(verdict.unmet), "total_deps": len(intent.dependencies)},
    )
    run.last_blocks[intent.id] = {"event_type": "intent.dependency_blocked", **payload}
    record(run, intent, {"decision": "dependency_blocked", **payload}, counts=False, decided=True)
    return True


def _speculative_conflict(run: TargetRun, intent: Intent) -> None:
    conflict = run.speculative[intent.id]
    last = run.last_blocks.get(intent.id)
    reason = (
        f"Conflicts with {', '.join(conflict['conflicts_with'])} ahead in the queue "
        f"({', '.join(conflict['files'][:5])})"
    )
    if (
        last is not None
        and last["event_type"] == "intent.speculative_conflict"
        and sorted(last.get("conflicts_with", [])) == sorted(conflict["conflicts_with"])
    ):
        skip(run, intent, "speculative_conflict", reason)
        return
    head = git_for(run.repository).head(run.target)
    payload = {**conflict, "target_sha": head, "reason": reason}
    event_append(
        event_type="intent.speculative_conflict",
        intent_id=intent.id,
        tenant_id=intent.tenant_id,
        payload=payload,
    )
    record(run, intent, {"decision": "speculative_conflict", **payload}, counts=False, decided=True)


def _reject(run: TargetRun, intent: Intent, reason: str) -> None:
    intent_transition(
        intent_id=intent.id,
        to=Status.REJECTED,
        cause=Cause.QUEUE_BLOCK,
        event_type="intent.rejected",
        payload={"reason": reason, "retries": intent.retries},
        evidence={"retries": intent.retries, "max_retries": run.max_retries},
    )
    run.statuses[intent.id] = Status.REJECTED
    decision = {"decision": "rejected", "reason": reason, "retries": intent.retries}
    after_decision(intent, decision)
    record(run, intent, decision, counts=True, decided=True)


def charge(run: TargetRun, intent: Intent, reason: str, *, merge: bool, **extra: Any) -> None:
    """One failure: back to READY, or REJECTED once the retries reach the bound."""
    retries, rejected = retry_outcome(intent.retries, run.max_retries)
    to = Status.REJECTED if rejected else Status.READY
    if merge:
        event_type = "intent.merge_failed"
        payload = {"error": reason, "source": intent.source, "target": intent.target}
        cause = Cause.MERGE_FAILED
    else:
        event_type = "intent.rejected" if rejected else "intent.requeued"
        payload = {"reason": reason}
        cause = Cause.QUEUE_BLOCK
    intent_transition(
        intent_id=intent.id,
        to=to,
        cause=cause,
        event_type=event_type,
        payload={**payload, **extra},
        evidence={"retries": retries},
        retries=retries,
    )
    run.statuses[intent.id] = to
    name = "merge_failed" if merge else ("rejected" if rejected else "blocked")
    decision = {"decision": name, "reason": reason, "retries": retries, "status": str(to), **extra}
    after_decision(intent, decision)
    record(run, intent, decision, counts=True, decided=True)


def revalidate(
    run: TargetRun,
    intent: Intent,
    *,
    checks_run: Mapping[str, CheckOutcome] | None = None,
    checks_notes: Mapping[str, Mapping[str, Any]] | None = None,
    simulation: Simulation | None = None,
) -> ValidationDecision:
    """The queue's revalidation against the target's head; ``checks_run`` are outcomes
    measured on a batch's merged tree holding this intent (not run again), ``simulation``
    the merge of its current heads the run already made (not made again)."""
    options = ValidationOptions(
        queue=True,
        reuse=True,
        use_last_simulation=run.options.use_last_simulation,
        skip_checks=run.options.skip_checks,
        checks_run=checks_run,
        checks_notes=checks_notes,
        simulation=simulation,
    )
    try:
        return intent_decide(
            intent_id=intent.id, options=options, extensions=run.extensions.get(intent.id, {})
        )
    except ConvergeError as exc:
        return ValidationDecision(decision=BLOCKED, intent_id=intent.id, reason=exc.message)


def chained_simulation(run: TargetRun, intent: Intent) -> Simulation | None:
    """The chain's merge of ``intent`` as a simulation of its current heads, when it still
    holds: the target is where this run moved it, by merging exactly the intents the chain
    merged before this one, in order, and the source has not moved. The commits differ from
    the chain's virtual ones only in their dates and messages, so the merge of the source
    onto them writes the chain's tree and finds the chain's merge base."""
    chained = run.chained.get(intent.id)
    if chained is None or run.chain_head is None or run.options.use_last_simulation:
        return None
    source_sha, tree_sha, files_changed, before = chained
    head, merged = run.chain_head
    if merged != before:
        return None
    git = git_for(run.repository)
    try:
        current = git.resolve(intent.source, intent.target)
    except ConvergeError:
        return None
    if current != [source_sha, head]:
        return None
    return Simulation(
        mergeable=True,
        conflicts=(),
        files_changed=(
            files_changed if files_changed is not None else git.files_changed(head, source_sha)
        ),
        source=intent.source,
        target=intent.target,
        source_sha=source_sha,
        target_sha=head,
        tree_sha=tree_sha,
        timestamp=datetime.now(UTC),
    )


def _revalidate_and_merge(run: TargetRun, intent: Intent) -> None:
    decision = revalidate(run, intent, simulation=chained_simulation(run, intent))
    if not decision.is_validated:
        extra = {}
        named = _conflicts_with(run, intent, decision)
        if named:
            extra["conflicts_with"] = named
        charge(run, intent, decision.reason or "", merge=False, **extra)
        return
    run.statuses[intent.id] = Status.QUEUED
    if (decision.risk_level or intent.risk_level) != intent.risk_level:
        # Reclassified by this revalidation (to critical, say): the holds were collected for
        # the old level, so ask them again before merging.
        hold = _hold_now(intent.id)
        if hold is not None:
            run.holds[intent.id] = hold
            _held(run, intent, hold)
            return
    if not run.options.auto_confirm or not merge_allowed(run, intent):
        if decision.reused and intent.status == Status.QUEUED:
            skip(run, intent, "unchanged", UNCHANGED)  # its inputs changed back meanwhile
            return
        queued: dict[str, Any] = {"decision": "queued", "trace_id": decision.trace_id}
        if run.merges_held:
            queued["merges_held"] = run.merges_held
        if decision.inputs_changed:
            queued["inputs_changed"] = list(decision.inputs_changed)
        record(run, intent, queued, counts=True, decided=True)
        return
    elsewhere = merge_elsewhere(intent, decision)
    if elsewhere is not None:
        _merged_elsewhere(run, intent, decision, elsewhere)
        return
    git = git_for(run.repository)
    for attempt in range(1, MERGE_ATTEMPTS + 1):
        simulation = decision.simulation
        assert simulation is not None and decision.trace_id is not None  # a validated one has both
        # A source already in the target has no changes of its own (``files_changed``).
        if not simulation.files_changed and git.is_ancestor(
            simulation.source_sha, simulation.target_sha
        ):
            # Already in the target: a run that died between moving the ref and recording the
            # merge, or a merge made outside Converge. Merging again would duplicate it.
            existing = git.merge_commit_of(simulation.source_sha, intent.target)
            merge_record(run, intent, existing, decision.trace_id, already_merged=True)
            return
        try:
            merged = merge_one(
                run,
                intent,
                source_sha=simulation.source_sha,
                expected_target_sha=simulation.target_sha,
                tree_sha=simulation.tree_sha,
            )
        except TargetMoved as exc:
            if attempt == MERGE_ATTEMPTS:
                charge(run, intent, exc.message, merge=True)
                return
            decision = revalidate(run, intent)
            if not decision.is_validated:
                named = _conflicts_with(run, intent, decision)
                extra = {"conflicts_with": named} if named else {}
                charge(run, intent, decision.reason or "", merge=False, **extra)
                return
            continue
        except (DirtyCheckout, CheckoutUpdateFailed) as exc:
            run.merges_refused = exc.message
            record(
                run,
                intent,
                {"decision": "merge_refused", "reason": exc.message},
                counts=False,
                decided=False,
            )
            return
        if run.chain_head is not None and run.chain_head[0] == simulation.target_sha:
            run.chain_head = (merged, (*run.chain_head[1], intent.id))
        merge_record(run, intent, merged, decision.trace_id)
        return


def _merged_elsewhere(
    run: TargetRun, intent: Intent, decision: ValidationDecision, outcome: MergeOutcome
) -> None:
    """A merge executor's answer (``CONVERGE_MERGE_EXECUTORS``): merged, failed (charged as a
    failed merge) or deferred (nothing changes; its next decision comes with new inputs)."""
    if outcome.outcome == MERGED:
        merge_record(run, intent, outcome.sha, decision.trace_id)
    elif outcome.outcome == MERGE_FAILED:
        charge(run, intent, outcome.reason, merge=True)
    else:
        deferred = {"decision": "merge_deferred", "reason": outcome.reason}
        record(run, intent, deferred, counts=False, decided=False)


def merge_one(
    run: TargetRun,
    intent: Intent,
    *,
    source_sha: str,
    expected_target_sha: str,
    tree_sha: str,
) -> str:
    """The merge of one intent: record ``tree_sha`` as the merge of ``source_sha`` into the
    target, a compare-and-swap from ``expected_target_sha`` (``TargetMoved`` otherwise).
    Returns the new head. Both the one-at-a-time walk and a batch merge through here."""
    return git_for(run.repository).merge(
        source_sha, intent.target, expected_target_sha, tree_sha, source=intent.source
    )


def merge_allowed(run: TargetRun, intent: Intent) -> bool:
    """Whether a freeze in force lets this intent merge (its exception list)."""
    return run.freeze is None or run.freeze.allows(intent.risk_level)


def _conflicts_with(run: TargetRun, intent: Intent, decision: ValidationDecision) -> list[str]:
    """Candidates the batch's chain named, then the merged intents behind the conflict."""
    names = list(run.target_conflicts.get(intent.id, ()))
    for name in merged_intents_behind(run.repository, intent.id, decision.simulation):
        if name not in names:
            names.append(name)
    return names


def merge_record(
    run: TargetRun,
    intent: Intent,
    sha: str | None,
    trace_id: str | None,
    *,
    already_merged: bool = False,
    batch: Mapping[str, Any] | None = None,
) -> None:
    payload: dict[str, Any] = {
        "merged_commit": sha,
        "source": intent.source,
        "target": intent.target,
    }
    if already_merged:
        payload["already_merged"] = True
    if batch:
        payload["batch"] = dict(batch)
    decision: dict[str, Any] = {"decision": "merged", "merged_commit": sha, "trace_id": trace_id}
    if already_merged:
        decision["already_merged"] = True
    with transaction.atomic():  # the merge's records: all or none
        intent_transition(
            intent_id=intent.id,
            to=Status.MERGED,
            cause=Cause.MERGE_OK,
            event_type="intent.merged",
            payload=payload,
            evidence={"merged_commit": sha},
            trace_id=trace_id,
        )
        if sha is not None and flag_is_enabled("intent_links"):
            CommitLink.objects.get_or_create(
                intent=intent,
                sha=sha,
                role=CommitRole.MERGE,
                defaults={"repo": run.repository.name, "observed_at": timezone.now()},
            )
        if intent.id in run.jumped:
            jump_clear(intent.id)
        after_decision(intent, decision)
    run.statuses[intent.id] = Status.MERGED
    record(run, intent, decision, counts=True, decided=True)
