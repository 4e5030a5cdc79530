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
- ``CONVERGE_REVIEW_COMPLETION_CHECKS`` (:class:`ReviewCompletionCheck`): asked before a
  review is completed; a refusal (separation of duties) stops it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

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
    """A decision about one intent, as after-decision hooks receive it."""

    intent_id: str
    decision: str
    tenant_id: str | None
    trace_id: str | None
    details: Mapping[str, Any] = field(default_factory=dict)


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
