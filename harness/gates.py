"""The coherence gate (risk-policy §3.3 gate 5), a ``CONVERGE_POLICY_GATES`` hook, and what
it reads as a ``CONVERGE_DECISION_INPUTS`` digest.

The gate is in every policy evaluation: with no harness configured it passes with score 100
("no harness configured"); otherwise the enabled questions run in the intent's merged tree and
the verdict uses the thresholds of the intent's profile, the very ones the gate compares the
score with, so the verdict and the gate never disagree. A cross-check inconsistency lowers
the verdict one step, and a ``fail`` verdict fails the gate.

The gate writes nothing (a dry run runs it too): it keeps its evaluation under the run's
trace id, and :func:`harness.hooks.coherence_record` records it once the decision committed.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, replace

from converge_core import coherence as core
from converge_core.context import current_trace_id
from converge_core.errors import InvalidInput
from converge_core.fingerprint import digest
from converge_core.policy import GateContext, GateResult
from converge_core.policy.gates import gate_coherence
from harness.coherence import baselines_current, baselines_seq, harness_document, harness_load
from harness.coherence import harness_results as run_harness
from intents.gitaccess import git_for
from intents.models import Intent

PENDING_LIMIT = 256  # evaluations of dry runs are never collected: keep the latest only


@dataclass(frozen=True)
class PendingEvaluation:
    intent_id: str
    tenant_id: str | None
    evaluation: core.Evaluation
    risk_score: float


_pending: OrderedDict[str, PendingEvaluation] = OrderedDict()


def pending_take(trace_id: str | None) -> PendingEvaluation | None:
    """The evaluation the gate made under ``trace_id`` (once)."""
    return _pending.pop(trace_id, None) if trace_id else None


def _keep(trace_id: str | None, pending: PendingEvaluation) -> None:
    if not trace_id:
        return
    _pending[trace_id] = pending
    while len(_pending) > PENDING_LIMIT:
        _pending.popitem(last=False)


def _result(context: GateContext, evaluation: core.Evaluation, note: str) -> GateResult:
    result = gate_coherence(replace(context, coherence_score=evaluation.coherence_score))
    assert result is not None  # a score was supplied
    reason = result.reason + note
    if evaluation.inconsistencies:
        reason += (
            f"; inconsistencies {list(evaluation.inconsistencies)} "
            f"lower the verdict to {evaluation.verdict}"
        )
    return replace(
        result,
        passed=evaluation.verdict != core.FAIL,
        warn=evaluation.verdict == core.WARN,
        reason=reason,
    )


def coherence_gate(context: GateContext) -> GateResult:
    profile = context.profile
    try:
        harness = harness_load()
    except InvalidInput as exc:
        return GateResult(
            "coherence",
            False,
            f"Coherence harness invalid: {exc.message}",
            0.0,
            profile.coherence_warn,
        )
    if not harness.enabled or context.intent_id is None:
        evaluation = core.evaluation_of(
            [],
            harness_version=harness.version,
            pass_threshold=profile.coherence_pass,
            warn_threshold=profile.coherence_warn,
        )
        return _result(context, evaluation, " (no harness configured)")
    simulation = context.simulation or {}
    tree_sha = simulation.get("tree_sha")
    if not tree_sha:  # fail closed: the questions cannot be asked of a tree that is not there
        return GateResult(
            "coherence",
            False,
            "Coherence harness not evaluated: no merged tree",
            0.0,
            profile.coherence_warn,
        )
    intent = Intent.objects.select_related("repository").get(pk=context.intent_id)
    baselines = baselines_current(intent.repository, intent.tenant_id)
    files_changed = list(simulation.get("files_changed") or ())
    with git_for(intent.repository).materialize(str(tree_sha)) as workdir:
        results = run_harness(harness, workdir, baselines=baselines, files_changed=files_changed)
    evaluation = core.evaluation_of(
        results,
        harness_version=harness.version,
        pass_threshold=profile.coherence_pass,
        warn_threshold=profile.coherence_warn,
        risk=context.risk,
    )
    _keep(
        current_trace_id(),
        PendingEvaluation(
            intent_id=intent.id,
            tenant_id=intent.tenant_id,
            evaluation=evaluation,
            risk_score=float(context.risk.get("risk_score") or 0.0),
        ),
    )
    return _result(context, evaluation, "")


def coherence_inputs(intent_ids: list[str]) -> dict[str, str]:
    """Intent id → digest of the harness file and the intent's current baselines: editing
    the harness or capturing baselines makes the queue revalidate."""
    try:
        document = harness_document()
    except InvalidInput as exc:
        document = {"invalid": exc.message}
    if document is None:
        return {}
    intents = Intent.objects.filter(pk__in=intent_ids).select_related("repository")
    seqs: dict[tuple[int, str | None], int] = {}
    result = {}
    for intent in intents:
        key = (intent.repository_id, intent.tenant_id)
        if key not in seqs:
            seqs[key] = baselines_seq(intent.repository, intent.tenant_id)
        result[intent.id] = digest([document, seqs[key]])
    return result
