"""The merging walk with batched checks: test the chained merged tree of the next K intents
once, merge them all when it passes, bisect when it fails.

After the per-intent screening of the ordinary walk (status, back-off, dependencies, retries,
holds, speculative conflicts), the candidates left are cut into batches
(``converge_core.batching.compose_batch``: the adaptive window, intents tested alone on their
own). For one batch:

1. the members are chained in memory onto the target head (``simulate_chain``); a member that
   does not merge onto the chain leaves the batch and is revalidated alone (which blocks it);
2. the union of the members' required checks runs once on the last tree of the chain
   (``intents.queue.checkruns``: rows any worker may take, flaky re-runs) — a
   ``queue.batch_tested`` event records the members, the tree, each check and the outcome;
3. green: every member is revalidated with those outcomes (the other gates still apply), then
   merged in order, each merge recording the chain's tree for that prefix, so the target ends
   on exactly the tested tree; if a revalidation blocks, nothing merges and the rest is tested
   again without it;
4. red: ``converge_core.batching.Bisection`` asks for trees (the good prefix plus one segment)
   until the failing members are known (``queue.bisected``); they are blocked with the failing
   check's output, the others merge on the last green tree.

The window grows after a green batch and halves after a red one (``queue.batch``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from converge_core.batching import BatchCandidate, Bisection, adapt_window, compose_batch
from converge_core.checks import CheckOutcome
from converge_core.errors import ConvergeError
from converge_core.git import CheckoutUpdateFailed, DirtyCheckout, TargetMoved
from converge_core.git.results import ChainStep
from converge_core.policy import PolicyConfig, required_checks, resolve_profile
from converge_core.progress import Progress
from converge_core.states import Status
from flags.selectors import flag_is_enabled
from intents.failures import failure_clear, is_isolated
from intents.gitaccess import git_for
from intents.locks import claim_intent, release_claim
from intents.models import Intent
from intents.policyconfig import policy_config
from intents.queue.checkruns import TreeCheck, tree_checks_run
from intents.queue.controls import jumped_ids, queue_window, queue_window_set
from intents.queue.run import (
    TargetRun,
    _keep_lock,
    _revalidate_and_merge,
    charge,
    merge_allowed,
    merge_one,
    merge_record,
    process_isolated,
    record,
    record_failure,
    revalidate,
    screen,
    skip,
)
from ledger.append import event_append

OUTPUT_SHOWN = 2000  # characters of a failing check's output in the block reason


@dataclass(frozen=True)
class TreeTest:
    """The checks of one chained tree."""

    members: tuple[str, ...]
    target_sha: str
    tree_sha: str
    steps: tuple[ChainStep, ...]
    checks: dict[str, TreeCheck]
    duration_ms: int

    @property
    def passed(self) -> bool:
        return all(check.passed for check in self.checks.values())

    def failing(self) -> list[TreeCheck]:
        return [check for check in self.checks.values() if not check.passed]


def walk_batched(
    run: TargetRun, batch: list[Intent], should_stop: Callable[[], bool], progress: Progress
) -> None:
    """Screen the candidates in queue order, then test and merge them batch by batch.

    An intent that depends on a candidate screened before it waits until those candidates
    are tested and merged (their batches go first), so its dependency verdict sees them
    merged, exactly as in the one-at-a-time walk."""
    config = policy_config()
    window = start = queue_window(run.repository, run.target)
    eligible: list[Intent] = []
    for intent in batch:
        if run.processed + len(eligible) >= run.options.limit or should_stop():
            break
        if run.merges_refused:
            break
        if any(dep in {e.id for e in eligible} for dep in intent.dependencies):
            window = _drain(run, eligible, window, config, should_stop, progress)
            eligible = []
            if run.processed >= run.options.limit:
                break
        _keep_lock(run)
        if process_isolated(run, intent, screen):
            eligible.append(intent)
        else:
            progress.advance()
    window = _drain(run, eligible, window, config, should_stop, progress)
    if window != start:
        queue_window_set(run.repository, run.target, window)


def _drain(
    run: TargetRun,
    eligible: list[Intent],
    window: int,
    config: PolicyConfig,
    should_stop: Callable[[], bool],
    progress: Progress,
) -> int:
    """Test and merge the screened candidates batch by batch; returns the adapted window."""
    for intent in [i for i in eligible if not merge_allowed(run, i)]:
        _one_at_a_time(run, intent)  # frozen for its risk level: revalidated, not merged
        progress.advance()
    eligible = [intent for intent in eligible if merge_allowed(run, intent)]
    deferred: set[str] = set()
    while eligible and not should_stop() and not run.merges_refused:
        _keep_lock(run)
        eligible = _jumps_first(run, eligible)
        candidates = [BatchCandidate(i.id, _alone(run, i, config)) for i in eligible]
        size = len(compose_batch(candidates, window))
        members, eligible = eligible[:size], eligible[size:]
        try:
            outcome = _batch_claimed(run, members, window, config)
        except Exception as exc:
            if not (is_isolated(exc) or isinstance(exc, ConvergeError)):
                raise
            for intent in members:
                record_failure(run, intent, exc)
            continue
        window = outcome.window
        for intent in outcome.deferred:
            if intent.id in deferred:
                skip(run, intent, "deferred", "its batch changed twice in this run")
        again = [intent for intent in outcome.deferred if intent.id not in deferred]
        deferred |= {intent.id for intent in again}
        eligible = again + eligible
        for _ in range(len(members) - len(again)):
            progress.advance()
    return window


def _jumps_first(run: TargetRun, eligible: list[Intent]) -> list[Intent]:
    """Asked again before every batch: an operator's jump during the run goes ahead of the
    batches still to come."""
    jumped = jumped_ids([intent.id for intent in eligible])
    if jumped <= run.jumped:
        return eligible
    run.jumped |= jumped
    return [i for i in eligible if i.id in jumped] + [i for i in eligible if i.id not in jumped]


def _one_at_a_time(run: TargetRun, intent: Intent) -> None:
    def step(run: TargetRun, intent: Intent) -> None:
        if not claim_intent(intent.id, holder=run.holder, ttl=settings.CONVERGE_QUEUE_LOCK_TTL):
            skip(run, intent, "claimed", f"claimed by {intent.claimed_by}")
            return
        try:
            _revalidate_and_merge(run, intent)
        finally:
            release_claim(intent.id, holder=run.holder)

    process_isolated(run, intent, step)


def _profile(config: PolicyConfig, intent: Intent) -> Any:
    return resolve_profile(
        config,
        intent.risk_level,
        intent.origin_type,
        origin_policy_enabled=flag_is_enabled("origin_policy"),
    )


def _alone(run: TargetRun, intent: Intent, config: PolicyConfig) -> bool:
    """Tested alone: jumped, or its profile says ``batch: false`` (critical by default)."""
    return intent.id in run.jumped or not _profile(config, intent).batch


@dataclass
class BatchOutcome:
    window: int
    deferred: list[Intent]


def _batch_claimed(
    run: TargetRun, members: list[Intent], window: int, config: PolicyConfig
) -> BatchOutcome:
    ttl = settings.CONVERGE_QUEUE_LOCK_TTL
    claimed: list[Intent] = []
    for intent in members:
        if claim_intent(intent.id, holder=run.holder, ttl=ttl):
            claimed.append(intent)
        else:
            skip(run, intent, "claimed", f"claimed by {intent.claimed_by}")
    try:
        outcome = _batch(run, claimed, window, config)
    finally:
        for intent in claimed:
            release_claim(intent.id, holder=run.holder)
    for intent in claimed:
        if intent.id in run.failures and run.statuses.get(intent.id) != Status.QUEUED:
            failure_clear(intent.id)
    return outcome


def _chain(run: TargetRun, members: list[Intent]) -> tuple[list[Intent], list[ChainStep], str]:
    """The members that chain cleanly onto the target head, their steps and that head. A
    member that conflicts is revalidated alone (its revalidation blocks it)."""
    git = git_for(run.repository)
    while True:
        target_sha = git.head(run.target) or ""
        steps = git.simulate_chain(run.target, [intent.source for intent in members])
        conflicting = [members[step.index] for step in steps if not step.mergeable]
        if not conflicting:
            return members, steps, target_sha
        for intent in conflicting:
            _revalidate_and_merge(run, intent)
        members = [intent for intent in members if intent not in conflicting]
        if not members:
            return [], [], target_sha


def _commands(config: PolicyConfig, members: Sequence[Intent]) -> dict[str, Any]:
    names: list[str] = []
    for intent in members:
        for name in required_checks(_profile(config, intent), intent.checks_required):
            if name not in names:
                names.append(name)
    return {name: config.check_command(name) for name in names}


def _test(
    run: TargetRun,
    members: Sequence[Intent],
    steps: Sequence[ChainStep],
    target_sha: str,
    commands: dict[str, Any],
    *,
    window: int,
    bisecting: bool,
) -> TreeTest:
    config = policy_config()
    tree_sha = steps[-1].tree_sha
    started = time.monotonic()
    checks = tree_checks_run(
        repository=run.repository,
        tree_sha=tree_sha,
        commands=commands,
        flaky_retries=config.flaky_retries,
        holder=run.holder,
    )
    test = TreeTest(
        members=tuple(intent.id for intent in members),
        target_sha=target_sha,
        tree_sha=tree_sha,
        steps=tuple(steps),
        checks=checks,
        duration_ms=int((time.monotonic() - started) * 1000),
    )
    event_append(
        event_type="queue.batch_tested",
        payload={
            "repository": run.repository.name,
            "target": run.target,
            "members": list(test.members),
            "size": len(test.members),
            "target_sha": target_sha,
            "tree_sha": tree_sha,
            "checks": [check.to_payload() for check in checks.values()],
            "outcome": "passed" if test.passed else "failed",
            "window": window,
            "bisecting": bisecting,
            "duration_ms": test.duration_ms,
        },
        evidence={"tree_sha": tree_sha, "size": len(test.members)},
    )
    run.decided += 1
    return test


def _batch(
    run: TargetRun, members: list[Intent], window: int, config: PolicyConfig
) -> BatchOutcome:
    members, steps, target_sha = _chain(run, members)
    if not members:
        return BatchOutcome(window, [])
    commands = _commands(config, members)
    test = _test(run, members, steps, target_sha, commands, window=window, bisecting=False)
    if test.passed:
        deferred = _merge_tested(run, members, test)
        return BatchOutcome(adapt_window(window, True, config.queue.batch), deferred)
    if len(members) == 1:
        _block(run, members[0], test)
        return BatchOutcome(adapt_window(window, False, config.queue.batch), [])
    by_id = {intent.id: intent for intent in members}
    bisection = Bisection.of_failed_batch(list(by_id))
    bisection.record(test.members, False)
    tests = {test.members: test}
    while (tree := bisection.next_tree()) is not None:
        _keep_lock(run)
        subset = [by_id[intent_id] for intent_id in tree]
        sub_steps = git_for(run.repository).simulate_chain(
            run.target, [intent.source for intent in subset]
        )
        result = _test(run, subset, sub_steps, target_sha, commands, window=window, bisecting=True)
        tests[result.members] = result
        bisection.record(tree, result.passed)
    event_append(
        event_type="queue.bisected",
        payload={
            "repository": run.repository.name,
            "target": run.target,
            "members": list(bisection.members),
            "good": list(bisection.good),
            "bad": list(bisection.bad),
            "trees_tested": len(bisection.tested) - 1,
        },
        evidence={"bad": len(bisection.bad), "size": len(bisection.members)},
    )
    for intent_id in bisection.bad:
        _block(run, by_id[intent_id], _failing_test(tests, intent_id, test))
    deferred = []
    if bisection.good:
        deferred = _merge_tested(
            run, [by_id[i] for i in bisection.good], tests[tuple(bisection.good)]
        )
    return BatchOutcome(adapt_window(window, False, config.queue.batch), deferred)


def _failing_test(
    tests: dict[tuple[str, ...], TreeTest], intent_id: str, whole: TreeTest
) -> TreeTest:
    """The red tree that pinned ``intent_id``: the one it completes (it is the last member)."""
    for members, test in tests.items():
        if members and members[-1] == intent_id and not test.passed:
            return test
    return whole


def _block(run: TargetRun, intent: Intent, test: TreeTest) -> None:
    failing = test.failing()
    names = [check.outcome.check_type for check in failing]
    output = "\n".join(
        f"--- {check.outcome.check_type} ({check.outcome.status}) ---\n{check.outcome.details}"
        for check in failing
    )
    if len(output) > OUTPUT_SHOWN:
        output = "…" + output[-(OUTPUT_SHOWN - 1) :]
    reason = f"Checks failed on the merged tree {test.tree_sha[:12]}: {names}\n{output}"
    charge(
        run,
        intent,
        reason,
        merge=False,
        checks=[check.to_payload() for check in failing],
        tree_sha=test.tree_sha,
        batch=list(test.members),
    )


def _merge_tested(run: TargetRun, members: list[Intent], test: TreeTest) -> list[Intent]:
    """Revalidate every member with the tree's outcomes, then merge them in order; returns
    the members left for another batch (the batch changed under them)."""
    outcomes: dict[str, CheckOutcome] = {name: c.outcome for name, c in test.checks.items()}
    notes = {
        name: {
            "tree_sha": test.tree_sha,
            "batch": list(test.members),
            "attempts": check.attempts,
            "flaky": check.flaky,
        }
        for name, check in test.checks.items()
    }
    decisions = []
    for intent in members:
        decision = revalidate(run, intent, checks_run=outcomes, checks_notes=notes)
        if not decision.is_validated:
            charge(run, intent, decision.reason or "", merge=False)
            return [other for other in members if other is not intent]
        run.statuses[intent.id] = Status.QUEUED
        decisions.append(decision)
    if git_for(run.repository).head(run.target) != test.target_sha:
        return members  # moved while the batch was tested: test it again on the new head
    expected = test.target_sha
    for index, (intent, decision) in enumerate(zip(members, decisions, strict=True)):
        step = test.steps[index]
        batch = {
            "members": list(test.members),
            "tested_tree_sha": test.tree_sha,
            "tree_sha": step.tree_sha,
        }
        try:
            expected = merge_one(
                run,
                intent,
                source_sha=step.source_sha,
                expected_target_sha=expected,
                tree_sha=step.tree_sha,
            )
        except TargetMoved:
            return members[index:]  # what is merged stays; the rest is tested again
        except (DirtyCheckout, CheckoutUpdateFailed) as exc:
            run.merges_refused = exc.message
            record(
                run,
                intent,
                {"decision": "merge_refused", "reason": exc.message},
                counts=False,
                decided=False,
            )
            return []
        merge_record(run, intent, expected, decision.trace_id, batch=batch)
    return []
