"""The validation pipeline: can this intent merge safely now, and if not, why.

simulate → risk (and classification) → checks → policy gates → decision, under one trace id.
Risk is evaluated before the checks are chosen, so an intent reclassified to ``high`` runs
the checks ``high`` requires instead of failing the verification gate for not running them.
A block leaves status and retries untouched; retry accounting belongs to the queue.
A dry run (``policy eval``) does the same work but changes nothing and writes no event.
The decision is a :class:`~converge_core.validation.ValidationDecision`; ``intent_validate``
renders it for the API, the CLI and the admin.

Every decision is stored with the fingerprint of its inputs (:mod:`intents.decisions`). A
system revalidation (``reuse``: the queue, the worker's first validation) whose inputs are
unchanged reuses the last decision and writes nothing but a real status change; one whose
inputs changed but which blocks for the same reason as before does not repeat
``intent.blocked``; a queue revalidation of an intent already QUEUED writes no status change.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from converge_core import checks as check_status
from converge_core.checks import CheckOutcome, run_check
from converge_core.context import trace_scope
from converge_core.errors import Conflict, ConvergeError
from converge_core.fingerprint import DecisionInputs, changed_inputs
from converge_core.git import Simulation
from converge_core.hooks import Decision
from converge_core.policy import (
    GateContext,
    PolicyConfig,
    evaluate_gates,
    resolve_profile,
    resolve_risk_limits,
)
from converge_core.policy import required_checks as profile_checks
from converge_core.risk import (
    CouplingRecord,
    RiskEvaluation,
    RiskSimulation,
    classify,
    effective_level,
)
from converge_core.states import ACTIVE, Cause, Status, is_allowed
from converge_core.validation import BLOCKED, VALIDATED, GateFindings, ValidationDecision
from flags.selectors import flag_is_enabled, flag_mode, flag_snapshot
from intents.decisions import (
    InputsContext,
    decision_confirm,
    decision_inputs,
    decision_record,
    intent_and_decision,
)
from intents.gitaccess import git_for
from intents.hooks import after_decision_hooks, policy_gates
from intents.models import Intent, IntentDecision
from intents.policyconfig import policy_config
from intents.riskinputs import score_intent, snapshot_coupling, tenant_risk_policy
from intents.services import (
    intent_change_status,
    intent_set_refs,
    intent_transition,
    status_event_payload,
)
from intents.simulations import record_commit_links, reusable_simulation, simulation_evidence
from ledger.recorder import Recorder

CONFLICT_DISPLAY_LIMIT = 5


@dataclass(frozen=True)
class ValidationOptions:
    use_last_simulation: bool = False
    skip_checks: bool = False
    dry_run: bool = False
    policy_path: str | None = None
    source: str | None = None
    target: str | None = None
    queue: bool = False  # a queue revalidation: success moves the intent to QUEUED
    reuse: bool = False  # a system revalidation: unchanged inputs reuse the last decision
    # Outcomes the queue measured on the merged tree of a batch holding this intent: these
    # checks are not run again; ``checks_notes`` adds to their ``check.completed`` payloads
    # (the tree, the batch, attempts and flakiness).
    checks_run: Mapping[str, CheckOutcome] | None = None
    checks_notes: Mapping[str, Mapping[str, Any]] | None = None
    # A simulation of the intent's current source and target heads the caller already made
    # (the queue's chain): used instead of simulating again.
    simulation: Simulation | None = None


@dataclass
class Run:
    """What one pipeline run knows so far; the decision is built from it."""

    intent: Intent
    recorder: Recorder
    config: PolicyConfig
    options: ValidationOptions
    warnings: list[dict[str, str]] = field(default_factory=list)
    updates: dict[str, Any] = field(default_factory=dict)  # intent fields saved at the end
    transition: dict[str, Any] | None = None  # the status change saved at the end
    simulation: Simulation | None = None
    risk: RiskEvaluation | None = None
    outcomes: dict[str, CheckOutcome] = field(default_factory=dict)
    inputs: DecisionInputs | None = None  # what the decision is made from (None: dry run)
    snapshot: tuple[int, datetime] | None = None  # the inputs' history snapshot (id, time)
    last: IntentDecision | None = None  # the intent's previous decision

    @property
    def trace_id(self) -> str:
        return self.recorder.trace_id

    def warn(self, code: str, message: str) -> None:
        self.warnings.append({"code": code, "message": message})


def intent_validate(
    *,
    intent_id: str,
    options: ValidationOptions | None = None,
    actor: str = "system",
    tenant_id: str | None = None,
) -> dict[str, Any]:
    """Run the pipeline for one intent and return its decision as the API and CLI show it."""
    return intent_decide(
        intent_id=intent_id, options=options, actor=actor, tenant_id=tenant_id
    ).as_dict()


def intent_decide(
    *,
    intent_id: str,
    options: ValidationOptions | None = None,
    actor: str = "system",
    tenant_id: str | None = None,
    extensions: Mapping[str, str] | None = None,
) -> ValidationDecision:
    """Run the pipeline for one intent and return its decision.

    ``extensions`` are the intent's ``CONVERGE_DECISION_INPUTS`` digests when the caller has
    them for a whole batch (asked here otherwise).
    """
    options = options or ValidationOptions()
    with flag_snapshot():
        return _decide(intent_id, options, actor, tenant_id, extensions)


def _decide(
    intent_id: str,
    options: ValidationOptions,
    actor: str,
    tenant_id: str | None,
    extensions: Mapping[str, str] | None,
) -> ValidationDecision:
    intent, recorded = intent_and_decision(intent_id, tenant_id=tenant_id)
    if intent.status not in ACTIVE:
        raise Conflict(
            f"Intent {intent_id} is {intent.status}: finished intents are not validated",
            intent_id=intent_id,
            status=intent.status,
        )
    if (options.source or options.target) and not options.dry_run:
        intent = intent_set_refs(
            intent_id=intent_id, source=options.source, target=options.target, actor=actor
        )
    elif options.source or options.target:
        intent.source = options.source or intent.source
        intent.target = options.target or intent.target
    config = policy_config(options.policy_path)
    inputs = last = snapshot = None
    if not options.dry_run:
        context = InputsContext(config=config, skip_checks=options.skip_checks)
        inputs = decision_inputs(intent, context=context, extensions=extensions)
        snapshot = context.snapshot_stamp(intent.repository_id) if inputs else None
        last = recorded
        if (
            options.reuse
            and inputs is not None
            and last is not None
            and last.fingerprint == inputs.fingerprint
        ):
            return _reuse(intent, last, inputs, options)
    with trace_scope() as trace_id:
        recorder = Recorder(
            intent_id=intent.id,
            tenant_id=intent.tenant_id,
            trace_id=trace_id,
            dry_run=options.dry_run,
            agent_id=actor,
        )
        run = Run(
            intent=intent,
            recorder=recorder,
            config=config,
            options=options,
            inputs=inputs,
            snapshot=snapshot,
            last=last,
        )
        decision = _pipeline(run)
        if options.reuse and inputs is not None:
            previous = last.inputs if last is not None and last.inputs else None
            decision = replace(
                decision, inputs_changed=tuple(changed_inputs(previous, inputs.parts()))
            )
        if not options.dry_run:
            _persist(run, decision)
    if options.dry_run:
        decision = replace(decision, dry_run=True)
    else:
        after_decision(intent, decision)
    return decision


def _reuse(
    intent: Intent, last: IntentDecision, inputs: DecisionInputs, options: ValidationOptions
) -> ValidationDecision:
    """The last decision again: nothing is written unless it moves the intent to a status it
    is not in (a READY or VALIDATED intent whose decision was to validate it)."""
    decision = ValidationDecision.reused_from(
        last.decision,
        simulation=_recorded_simulation(intent, last, inputs),
        trace_id=last.trace_id or None,
    )
    to = Status.QUEUED if options.queue else Status.VALIDATED
    if not decision.is_validated or intent.status == to:
        decision_confirm(intent)
        return decision
    trace_id = decision.trace_id
    evidence = {
        "risk_score": (last.decision.get("risk") or {}).get("risk_score"),
        "policy_verdict": "ALLOW",
        "trace_id": trace_id,
    }
    if options.queue:
        event_type, cause = "intent.status_changed", Cause.QUEUE_REVALIDATE_OK
        payload = {
            "from": intent.status,
            "to": str(to),
            "cause": str(cause),
            "trace_id": trace_id,
            "reused": True,
        }
    else:
        event_type, cause = "intent.validated", Cause.VALIDATE_OK
        payload = {
            "source": intent.source,
            "target": intent.target,
            "trace_id": trace_id,
            "reused": True,
        }
    intent_transition(
        intent_id=intent.id,
        to=to,
        cause=cause,
        event_type=event_type,
        payload=payload,
        evidence=evidence,
        expected=intent.status,
        trace_id=trace_id,
    )
    after_decision(intent, decision)
    return decision


def _recorded_simulation(
    intent: Intent, last: IntentDecision, inputs: DecisionInputs
) -> Simulation | None:
    """The simulation a stored decision was made from: its rendering with the SHAs of its
    inputs (unchanged, or the decision would not be reused)."""
    shown = last.decision.get("simulation")
    if not isinstance(shown, Mapping):
        return None
    return Simulation(
        mergeable=bool(shown.get("mergeable")),
        conflicts=tuple(shown.get("conflicts") or ()),
        files_changed=tuple(shown.get("files_changed") or ()),
        source=intent.source,
        target=intent.target,
        source_sha=inputs.source_sha,
        target_sha=inputs.target_sha,
        tree_sha=str(shown.get("tree_sha") or ""),
        timestamp=last.decided_at,
    )


def _pipeline(run: Run) -> ValidationDecision:
    blocked = _simulate(run)
    if blocked:
        return blocked
    _evaluate_risk(run)
    blocked = _run_checks(run)
    if blocked:
        return blocked
    return _apply_policy(run)


def _simulate(run: Run) -> ValidationDecision | None:
    intent, options = run.intent, run.options
    if options.use_last_simulation:
        simulation, existed = reusable_simulation(intent)
        if simulation is None and not existed:
            return _block(run, "No previous simulation found")
        if simulation is None:
            run.warn("simulation_stale", "The last simulation is stale (a SHA moved); re-ran it")
        run.simulation = simulation
    if run.simulation is None:
        run.simulation = options.simulation or git_for(intent.repository).simulate(
            intent.source, intent.target
        )
        run.recorder.emit(
            "simulation.completed",
            run.simulation.to_payload(),
            simulation_evidence(run.simulation),
        )
    if not run.simulation.mergeable:
        shown = ", ".join(run.simulation.conflicts[:CONFLICT_DISPLAY_LIMIT])
        return _block(run, f"Merge conflicts: {shown}")
    if not options.queue:
        _warn_speculative(run)
    return None


def _warn_speculative(run: Run) -> None:
    """Warn when the intent would conflict with intents already QUEUED ahead of it."""
    intent = run.intent
    ahead = list(
        Intent.objects.filter(
            repository=intent.repository, target=intent.target, status=Status.QUEUED
        )
        .exclude(pk=intent.id)
        .filter(
            Q(priority__lt=intent.priority)
            | Q(priority=intent.priority, created_at__lt=intent.created_at)
        )
        .order_by("priority", "created_at", "id")
        .values_list("id", "source")
    )
    if not ahead:
        return
    try:
        steps = git_for(intent.repository).simulate_chain(
            intent.target, [source for _, source in ahead] + [intent.source]
        )
    except ConvergeError:
        return  # a queued intent's branch is gone: its own revalidation reports that
    last = steps[-1]
    if not last.mergeable and not last.conflicts_with_target:
        names = [ahead[index][0] for index in last.conflicts_with]
        run.warn(
            "speculative_conflict",
            f"Conflicts with {', '.join(names)} queued ahead of it "
            f"({', '.join(last.conflicts[:CONFLICT_DISPLAY_LIMIT])}): it will wait for them",
        )


def _evaluate_risk(run: Run) -> None:
    intent, config, simulation = run.intent, run.config, run.simulation
    assert simulation is not None
    run.risk = score_intent(
        intent,
        RiskSimulation(
            mergeable=simulation.mergeable,
            conflicts=simulation.conflicts,
            files_changed=simulation.files_changed,
        ),
        version=config.risk.scoring_version,
        coupling=_coupling(run),
    )
    run.recorder.emit(
        "risk.evaluated", run.risk.to_payload(), {**run.risk.evidence(), "trace_id": run.trace_id}
    )
    if not flag_is_enabled("risk_auto_classify"):
        return
    computed = classify(run.risk.risk_score, dict(config.risk.classification))
    new_level = effective_level(
        intent.declared_risk_level, computed, allow_downgrade=config.risk.allow_downgrade
    )
    if new_level == intent.risk_level:
        return
    enforce = flag_mode("risk_auto_classify") == "enforce"
    persisted = enforce and not run.options.dry_run
    payload = {
        "old": intent.risk_level,
        "new": new_level,
        "risk_score": run.risk.risk_score,
        "persisted": persisted,
    }
    if persisted:
        run.updates["risk_level"] = new_level
    run.recorder.emit("risk.level_reclassified", payload)
    if enforce:
        intent.risk_level = new_level


def _coupling(run: Run) -> tuple[CouplingRecord, ...] | None:
    """The coupling of the history snapshot the decision's inputs name (none: no coupling);
    ``None`` for a dry run, which looks the latest snapshot up."""
    if run.inputs is None:
        return None
    return snapshot_coupling(*run.snapshot) if run.snapshot is not None else ()


def _profile(run: Run) -> Any:
    return resolve_profile(
        run.config,
        run.intent.risk_level,
        run.intent.origin_type,
        origin_policy_enabled=flag_is_enabled("origin_policy"),
    )


def _run_checks(run: Run) -> ValidationDecision | None:
    intent, config, simulation = run.intent, run.config, run.simulation
    assert simulation is not None
    required = profile_checks(_profile(run), intent.checks_required)
    if run.options.skip_checks:
        run.outcomes = {name: CheckOutcome(name, check_status.SKIPPED) for name in required}
    else:
        measured = run.options.checks_run or {}
        notes = run.options.checks_notes or {}
        commands = {name: config.check_command(name) for name in required}
        to_run = [name for name in required if name not in measured]
        workspace = (
            git_for(intent.repository).materialize(simulation.tree_sha)
            if any(commands[name] for name in to_run)
            else nullcontext(None)
        )
        with workspace as workdir:
            for name in required:
                outcome = measured.get(name) or run_check(
                    name,
                    commands[name],
                    cwd=workdir,
                    timeout=settings.CONVERGE_CHECK_TIMEOUT,
                    output_limit=settings.CONVERGE_CHECK_OUTPUT_LIMIT,
                )
                run.outcomes[name] = outcome
                payload = {**outcome.to_payload(), **notes.get(name, {})}
                if payload.get("flaky"):
                    run.warn(
                        "flaky_check",
                        f"{name} failed, then passed on the same tree "
                        f"({payload.get('attempts')} runs): flaky",
                    )
                run.recorder.emit(
                    "check.completed",
                    payload,
                    {"check_type": name, "passed": payload["passed"], "status": outcome.status},
                )
    unverified = [
        name
        for name, outcome in run.outcomes.items()
        if outcome.status in (check_status.NOT_CONFIGURED, check_status.SKIPPED)
    ]
    if unverified != intent.unverified_checks:
        run.updates["unverified_checks"] = unverified
    failed = [
        name
        for name, outcome in run.outcomes.items()
        if outcome.status in (check_status.FAILED, check_status.TIMEOUT)
    ]
    if failed:
        return _block(run, f"Checks failed: {failed}")
    return None


def _apply_policy(run: Run) -> ValidationDecision:
    intent, config, risk = run.intent, run.config, run.risk
    assert risk is not None and run.simulation is not None
    context = GateContext(
        intent_id=intent.id,
        risk_level=intent.risk_level,
        profile=_profile(run),
        risk=risk.to_payload(),
        risk_limits=resolve_risk_limits(tenant_risk_policy(intent.tenant_id), config),
        origin=intent.origin_type,
        tenant_id=intent.tenant_id,
        checks_required=intent.checks_required,
        check_outcomes={name: outcome.status for name, outcome in run.outcomes.items()},
        missing_checks=config.missing_checks,
        simulation=run.simulation.to_payload(),
        extra={"dry_run": run.options.dry_run, "intent": intent},
    )
    evaluation = evaluate_gates(context, extra_gates=policy_gates())
    run.warnings.extend(evaluation.warnings)
    run.recorder.emit(
        "policy.evaluated",
        evaluation.to_payload(run.trace_id),
        {"verdict": evaluation.verdict, "trace_id": run.trace_id},
    )
    gate = evaluation.risk_gate
    if gate is not None and gate.would_block and not gate.enforced:
        run.recorder.emit("risk.shadow_evaluated", {**gate.to_dict(), "intent_id": intent.id})
    findings = GateFindings(risk=risk, policy=evaluation)
    reason = evaluation.block_reason()
    if reason:
        return _block(run, _explain(reason, evaluation, run.simulation), findings)
    if run.options.queue:
        run.transition = {
            "to": Status.QUEUED,
            "cause": Cause.QUEUE_REVALIDATE_OK,
            "event_type": "intent.status_changed",
            "payload": {
                "to": str(Status.QUEUED),
                "cause": "queue_revalidate_ok",
                "trace_id": run.trace_id,
            },
            "evidence": {"risk_score": risk.risk_score, "policy_verdict": "ALLOW"},
        }
    else:
        run.transition = {
            "to": Status.VALIDATED,
            "cause": Cause.VALIDATE_OK,
            "event_type": "intent.validated",
            "payload": {"source": intent.source, "target": intent.target, "trace_id": run.trace_id},
            "evidence": {
                "risk_score": risk.risk_score,
                "policy_verdict": "ALLOW",
                "trace_id": run.trace_id,
            },
        }
    return ValidationDecision(
        decision=VALIDATED,
        intent_id=intent.id,
        trace_id=run.trace_id,
        risk_level=intent.risk_level,
        simulation=run.simulation,
        checks=tuple(run.outcomes.values()),
        gates=findings,
        warnings=tuple(run.warnings),
    )


def _explain(reason: str, evaluation: Any, simulation: Simulation) -> str:
    """Add the failed gates' numbers and, for size gates, where the change spreads."""
    failed = [gate for gate in evaluation.gates if not gate.passed]
    if not reason.startswith("Policy blocked") or not failed:
        return reason
    details = "; ".join(gate.reason for gate in failed)
    if any(gate.gate in ("entropy", "containment") for gate in failed):
        folders = sorted({path.rpartition("/")[0] or "." for path in simulation.files_changed})
        shown = ", ".join(folders[:CONFLICT_DISPLAY_LIMIT])
        more = f" and {len(folders) - CONFLICT_DISPLAY_LIMIT} more" if len(folders) > 5 else ""
        details += (
            f" ({len(simulation.files_changed)} files in {len(folders)} folders: {shown}{more})"
        )
    return f"{reason}: {details}"


def _block(run: Run, reason: str, findings: GateFindings | None = None) -> ValidationDecision:
    previous = run.last.decision if run.last is not None else {}
    repeated = previous.get("decision") == BLOCKED and previous.get("reason") == reason
    if not (run.options.reuse and repeated):  # a system revalidation writes a block once
        run.recorder.emit(
            "intent.blocked",
            {"reason": reason, "trace_id": run.trace_id, "warnings": run.warnings},
            {"reason": reason, "trace_id": run.trace_id},
        )
    return ValidationDecision(
        decision=BLOCKED,
        intent_id=run.intent.id,
        trace_id=run.trace_id,
        risk_level=run.intent.risk_level,
        reason=reason,
        simulation=run.simulation,
        checks=tuple(run.outcomes.values()),
        gates=findings,
        warnings=tuple(run.warnings),
    )


def _persist(run: Run, decision: ValidationDecision) -> None:
    """Save what the run learned in one transaction: field updates, commit links, the status
    change (none when the intent already has that status), the run's events in order (the
    status change's event last) and the decision with the fingerprint of its inputs."""
    links = flag_is_enabled("intent_links")  # read before the transaction: from the cache
    with transaction.atomic():
        previous = _save_intent(run)
        if run.simulation is not None:
            record_commit_links(run.intent, run.simulation, timezone.now(), enabled=links)
        if run.transition is not None:
            change = run.transition
            previous = previous or intent_change_status(
                intent_id=run.intent.id, to=change["to"], cause=change["cause"]
            )
            payload = dict(change["payload"])
            if change["event_type"] == "intent.status_changed":
                payload = {"from": str(previous), **payload}
            if change["event_type"] != "intent.status_changed" or previous != change["to"]:
                run.recorder.emit(
                    change["event_type"],
                    status_event_payload(payload, change["to"], None),
                    change["evidence"],
                )
        run.recorder.flush()
        decision_record(
            intent_id=run.intent.id,
            inputs=_decided_from(run),
            decision=decision.as_dict(),
        )


def _save_intent(run: Run) -> Status | None:
    """Save the run's field updates and, when the intent still has the status the run read
    and may leave it for the new one, its status change in the same ``UPDATE``; returns the
    status it moved from, or ``None`` when the status change is left to
    :func:`intent_change_status` (a status that moved meanwhile, one the change keeps, or a
    move it refuses)."""
    intent, change = run.intent, run.transition
    current = Status(intent.status)
    if (
        change is not None
        and Status(change["to"]) != current
        and is_allowed(change["cause"], current, change["to"])
    ):
        updates = {**run.updates, "status": change["to"], "updated_at": timezone.now()}
        if Intent.objects.filter(pk=intent.id, status=current).update(**updates):
            return current
    if run.updates:
        Intent.objects.filter(pk=intent.id).update(**run.updates)
    return None


def _decided_from(run: Run) -> DecisionInputs | None:
    """The inputs as the run saw them: the SHAs it simulated, the fields it saved."""
    inputs = run.inputs
    if inputs is None:
        return None
    if run.simulation is not None and run.simulation.source_sha:
        inputs = inputs.with_refs(run.simulation.source_sha, run.simulation.target_sha)
    saved = {name: value for name, value in run.updates.items() if name in inputs.intent}
    return inputs.with_intent(**saved) if saved else inputs


def after_decision(intent: Intent, decision: ValidationDecision | Mapping[str, Any]) -> None:
    """Tell the ``CONVERGE_AFTER_DECISION`` hooks, once the transaction has committed, about a
    validation or about one of the queue's decisions (``{"decision", "trace_id", "reason"}``)."""
    callbacks = after_decision_hooks()
    if not callbacks:
        return
    if isinstance(decision, ValidationDecision):
        # a validation read the intent's row as it decided: the hooks need not read it again
        payload = Decision(
            intent_id=intent.id,
            decision=decision.decision,
            tenant_id=intent.tenant_id,
            trace_id=decision.trace_id,
            details={"reason": decision.reason},
            risk_level=intent.risk_level,
            technical=intent.technical or {},
        )
    else:
        payload = Decision(
            intent_id=intent.id,
            decision=decision["decision"],
            tenant_id=intent.tenant_id,
            trace_id=decision.get("trace_id"),
            details={"reason": decision.get("reason")},
        )
    for callback in callbacks:
        transaction.on_commit(partial(callback, payload))
