"""The catalogue of event types: the public contract of the event log.

Event-type strings are kept byte for byte; an append with a type outside this catalogue is a
programming error and is refused.
"""

from __future__ import annotations

import re

EVENT_TYPE_PATTERN = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*){1,2}$")

EVENT_TYPES: frozenset[str] = frozenset(
    {
        # intent lifecycle
        "intent.created",
        "intent.status_changed",
        "intent.validated",
        "intent.blocked",
        "intent.rejected",
        "intent.requeued",
        "intent.merged",
        "intent.merge_failed",
        "intent.dependency_blocked",
        "intent.speculative_conflict",
        "intent.pre_evaluated",
        "intent.processing_failed",
        "intent.updated",
        "intent.linked.commit",
        "intent.link.removed",
        # simulation, checks, risk, policy
        "simulation.completed",
        "check.completed",
        "risk.evaluated",
        "risk.shadow_evaluated",
        "risk.policy_updated",
        "risk.level_reclassified",
        "policy.evaluated",
        "policy.sod.violation",
        # repositories
        "repository.updated",
        # queue and worker
        "queue.processed",
        "queue.reset",
        "queue.lock_released",
        "queue.jumped",
        "queue.paused",
        "queue.resumed",
        "queue.batch_tested",
        "queue.bisected",
        "merge_group.checks_requested",
        "merge_group.destroyed",
        "worker.started",
        "worker.stopped",
        "worker.heartbeat",
        # audit chain
        "audit.chain.initialized",
        "audit.chain.verified",
        "audit.chain.tamper_detected",
        "audit.chain.resealed",
        "audit.pruned",
        # projections
        "health.snapshot",
        "health.change_snapshot",
        "health.prediction",
        "compliance.thresholds_updated",
        "verification.debt.snapshot",
        # agents
        "agent.policy_updated",
        "agent.authorized",
        # semantic
        "embedding.generated",
        "embedding.reindexed",
        "semantic_conflict.detected",
        "semantic_conflict.resolved",
        # reviews
        "review.requested",
        "review.assigned",
        "review.reassigned",
        "review.started",
        "review.escalated",
        "review.completed",
        "review.cancelled",
        "review.sla.breached",
        "review.analysis_generated",
        "review.analysis_failed",
        # coherence
        "coherence.evaluated",
        "coherence.baseline_updated",
        "coherence.inconsistency",
        "coherence.suggestion",
        "coherence.suggestion_accepted",
        # analytics
        "calibration.completed",
        "dataset.exported",
        # intake
        "intake.accepted",
        "intake.throttled",
        "intake.rejected",
        "intake.mode_changed",
        # security
        "security.scan.started",
        "security.scan.completed",
        "security.finding.detected",
        "security.finding.dismissed",
        # integrations and notifications
        "webhook.received",
        "github.decision_published",
        "github.decision_publish_failed",
        "notification.sent",
        "notification.failed",
        # flags and access
        "feature_flag.changed",
        "access.denied",
        "access.granted",
        "access.key_rotated",
        "access.key_revoked",
    }
)

assert all(EVENT_TYPE_PATTERN.match(name) for name in EVENT_TYPES)


def is_known_event_type(name: str) -> bool:
    return name in EVENT_TYPES
