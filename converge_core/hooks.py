"""Typed protocols of the extension points (settings hook lists).

A lower app that needs an answer from an app built on top of it declares a hook list in
settings and calls the hooks explicitly; these are not signals. Hooks receive plain values so
that this module needs no Django.

- ``CONVERGE_ADMISSION_CHECKS`` (:class:`AdmissionCheck`): asked on every creation path before
  anything is stored.
- ``CONVERGE_QUEUE_HOLDS`` (:class:`QueueHoldCheck`): asked by the queue before an intent is
  merged.
- ``CONVERGE_POLICY_GATES`` (:class:`PolicyGate`): extra policy gates (see
  :mod:`converge_core.policy`).
- ``CONVERGE_AFTER_DECISION`` (:class:`AfterDecision`): told about each decision once its
  transaction committed.
- ``CONVERGE_DECISION_INPUTS`` (:class:`DecisionInputsHook`): what a hold or gate of a later app
  reads about each intent, as a digest; the queue revalidates an intent when one changes (a
  hold or gate that reads state of its own adds one, see :mod:`converge_core.fingerprint`).
- ``CONVERGE_INTENT_DETAILS`` (:class:`IntentDetails`): extra read-only details for ``intent
  status`` and reviews views.
- ``CONVERGE_RISK_REVIEW_DETAILS`` (:class:`RiskReviewDetails`): extra read-only sections of
  ``risk review`` (compliance).
- ``CONVERGE_REVIEW_BACKLOG_HOOKS`` (:class:`ReviewBacklogHook`): told the review backlog after
  each review sweep (intake throttling).
- ``CONVERGE_SUMMARY_SECTIONS`` (:class:`SummarySections`): extra read-only sections of
  ``GET /v1/summary`` (repo health).
- ``CONVERGE_MERGE_EXECUTORS`` (:class:`MergeExecutor`): asked by the queue before it merges a
  validated intent itself; the first that answers merges it elsewhere (GitHub's pull-request
  merge API) or says why it must not be merged now.
- ``CONVERGE_DASHBOARD_SECTIONS`` (:class:`DashboardSections`): the panels of the operator
  console's dashboard (queue, reviews, intake, locks, operator events; conflicts and findings
  when their apps add them).
- ``CONVERGE_INTENT_ACTIONS`` (:class:`IntentActions`): operator actions on intents offered by
  a later app (request a review, release a review hold) in the console's intent list and page.
- ``CONVERGE_REVIEW_COMPLETION_CHECKS`` (:class:`ReviewCompletionCheck`): asked before a
  review is completed; a refusal (separation of duties) stops it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from converge_core.policy import GateContext, GateResult


@dataclass(frozen=True)
class AdmissionRequest:
    """What an admission check sees of an intent about to be created."""

    intent_id: str
    risk_level: str
    origin_type: str
    tenant_id: str | None
    priority: int
    source: str
    target: str


@dataclass(frozen=True)
class AdmissionVerdict:
    """A refusal (``accepted=False``) stops the creation; nothing is stored."""

    accepted: bool
    mode: str = "open"
    reason: str = ""
    details: Mapping[str, Any] = field(default_factory=dict)


class AdmissionCheck(Protocol):
    def __call__(self, request: AdmissionRequest) -> AdmissionVerdict | None: ...


@dataclass(frozen=True)
class QueueHold:
    """An answer of a queue hold: the intent must not be merged now, and why."""

    code: str
    reason: str
    details: Mapping[str, Any] = field(default_factory=dict)
    rejects: bool = False


class QueueHoldCheck(Protocol):
    def __call__(self, intent_ids: list[str]) -> Mapping[str, QueueHold]: ...


@dataclass(frozen=True)
class Decision:
    """A decision about one intent, as after-decision hooks receive it.

    ``risk_level`` and ``technical`` are the intent's as the validation that decided read
    them; ``None`` when the decider did not (a hook then reads the intent itself)."""

    intent_id: str
    decision: str
    tenant_id: str | None
    trace_id: str | None
    details: Mapping[str, Any] = field(default_factory=dict)
    risk_level: str | None = None
    technical: Mapping[str, Any] | None = None


class AfterDecision(Protocol):
    def __call__(self, decision: Decision) -> None: ...


class DecisionInputsHook(Protocol):
    """Intent id → a digest of what the hook's hold or gate reads about it (omitted: nothing).

    Part of every decision's fingerprint: while the digests, the SHAs, the policy and the
    flags are unchanged, the queue reuses the intent's last decision instead of revalidating.
    """

    def __call__(self, intent_ids: list[str]) -> Mapping[str, str]: ...


class IntentDetails(Protocol):
    def __call__(self, intent_id: str) -> Mapping[str, Any]: ...


class RiskReviewDetails(Protocol):
    def __call__(self, *, intent_id: str, tenant_id: str | None) -> Mapping[str, Any]: ...


class SummarySections(Protocol):
    def __call__(self, *, tenant_id: str | None) -> Mapping[str, Any]: ...


class PolicyGate(Protocol):
    """An extra gate: its result joins the built-in gates' (``None``: it does not apply)."""

    def __call__(self, context: GateContext) -> GateResult | None: ...


class ReviewBacklogHook(Protocol):
    """Told the review backlog per tenant key (``""`` = no tenant) after each sweep.

    Returns what it changed, for the sweep's report. Intake uses it to throttle admissions.
    """

    def __call__(
        self, *, backlogs: Mapping[str, int], limit: int, actor: str
    ) -> list[dict[str, Any]]: ...


@dataclass(frozen=True)
class MergeRequest:
    """A validated intent the queue is about to merge: the SHAs its decision was made on."""

    intent_id: str
    repository: str  # the repository's name
    source: str
    target: str
    source_sha: str
    target_sha: str
    technical: Mapping[str, Any] = field(default_factory=dict)


MERGED = "merged"  # merged elsewhere: ``sha`` is the merge commit (None when unknown)
MERGE_FAILED = "failed"  # refused: charged as a failed merge, like a local one
MERGE_DEFERRED = "deferred"  # not now (a moved head or base is revalidated first; a merge queue)


@dataclass(frozen=True)
class MergeOutcome:
    outcome: str  # MERGED | MERGE_FAILED | MERGE_DEFERRED
    reason: str = ""
    sha: str | None = None


class MergeExecutor(Protocol):
    """Merges an intent instead of the local git engine; ``None``: not this executor's."""

    def __call__(self, request: MergeRequest) -> MergeOutcome | None: ...


@dataclass(frozen=True)
class DashboardSection:
    """One panel of the console's dashboard: a template (under ``templates/``) rendered with
    ``context``; panels are shown by ``order``, then title."""

    title: str
    template: str
    context: Mapping[str, Any] = field(default_factory=dict)
    order: int = 100


class DashboardSections(Protocol):
    """The panel of one app for an operator holding ``permissions`` (``app_label.codename``
    strings); ``None`` when there is nothing that operator may see."""

    def __call__(self, *, permissions: frozenset[str]) -> DashboardSection | None: ...


@dataclass(frozen=True)
class ConsoleAction:
    """An operator action on intents: ``run(intent_id, actor, reason)`` calls one service and
    returns what to tell the operator. Offered only to holders of ``permission``
    (``app_label.codename``); a ``dangerous`` one is confirmed with a reason first."""

    name: str
    description: str
    permission: str
    run: Callable[[str, str, str], str]
    dangerous: bool = False


class IntentActions(Protocol):
    def __call__(self) -> Sequence[ConsoleAction]: ...


@dataclass(frozen=True)
class ReviewCompletion:
    """A review about to be completed by ``actor`` (the acting principal)."""

    task_id: str
    intent_id: str
    tenant_id: str | None
    actor: str
    resolution: str


class ReviewCompletionCheck(Protocol):
    """Why ``completion`` must not happen (``None``: no objection)."""

    def __call__(self, completion: ReviewCompletion) -> str | None: ...
