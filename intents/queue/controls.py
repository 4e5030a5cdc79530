"""Operator controls of a queue — pause, resume, jump — and what the queue reads from them:
its order (jumps, priority aging), whether it may merge now (pause, freezes) and its window.

A pause is per (repository, target), has a reason and is recorded (``queue.paused``,
``queue.resumed``); pausing a paused queue or resuming a running one changes and records
nothing. A scheduled freeze (``queue.freezes`` in the policy) holds merges the same way
without any write. A paused or frozen queue still revalidates. A jump (``queue.jumped``) puts
one active intent at the head of its queue, tested alone, until it merges.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from converge_core.batching import clamp_window
from converge_core.errors import Conflict
from converge_core.queuetime import Freeze, QueueEntry, active_freeze, queue_order
from converge_core.states import ACTIVE
from intents.models import Intent, QueueControl, QueueJump, Repository
from intents.policyconfig import policy_config
from intents.selectors import intent_get
from ledger.append import event_append


@dataclass(frozen=True)
class MergeHold:
    """Why a target does not merge now: an operator's pause or a freeze of the policy.
    ``total``: nothing merges; otherwise the freeze's exception list may."""

    reason: str
    kind: str  # "paused" | "frozen"
    total: bool
    freeze: Freeze | None = None
    actor: str | None = None

    def to_dict(self, target: str) -> dict[str, Any]:
        shown: dict[str, Any] = {"target": target, "kind": self.kind, "reason": self.reason}
        if self.freeze is not None:
            shown["freeze"] = self.freeze.to_payload()
        if self.actor:
            shown["actor"] = self.actor
        return shown


def batching_applies(options: Any) -> bool:
    """Batched checks need merges (``auto_confirm``) and checks to run: a policy without
    any check command has nothing to batch, and its queue merges one intent at a time."""
    if not options.auto_confirm or options.skip_checks:
        return False
    return any(policy_config().checks.values())


def merge_hold(repository: Repository, target: str) -> MergeHold | None:
    """The pause or freeze in force on ``target`` now, if any."""
    control = QueueControl.objects.filter(repository=repository, target=target).first()
    if control is not None and control.paused:
        return MergeHold(control.pause_reason, "paused", True, actor=control.paused_by)
    freeze = active_freeze(policy_config().queue.freezes, target, timezone.now())
    if freeze is None:
        return None
    return MergeHold(freeze.reason, "frozen", not freeze.allowed_levels, freeze)


def queue_window(repository: Repository, target: str) -> int:
    """The size of the target's next batch: the adapted window, or the policy's size."""
    settings = policy_config().queue.batch
    window = (
        QueueControl.objects.filter(repository=repository, target=target)
        .values_list("window", flat=True)
        .first()
    )
    return clamp_window(window or settings.size, settings)


def queue_window_set(repository: Repository, target: str, window: int) -> None:
    """Store the adapted window (a row, no event: the batches' events carry it)."""
    updated = QueueControl.objects.filter(repository=repository, target=target).update(
        window=window
    )
    if not updated:
        QueueControl.objects.get_or_create(
            repository=repository, target=target, defaults={"window": window}
        )


def jumped_ids(intent_ids: Iterable[str]) -> set[str]:
    return set(
        QueueJump.objects.filter(intent_id__in=list(intent_ids)).values_list("pk", flat=True)
    )


def jump_clear(intent_id: str) -> None:
    QueueJump.objects.filter(pk=intent_id).delete()


def in_queue_order(intents: Sequence[Intent], jumped: set[str]) -> list[Intent]:
    """``intents`` in queue order: jumped first, then effective priority (aging), age, id."""
    by_id = {intent.id: intent for intent in intents}
    entries = [
        QueueEntry(intent.id, intent.priority, intent.created_at, intent.id in jumped)
        for intent in intents
    ]
    order = queue_order(entries, timezone.now(), policy_config().queue.aging_minutes)
    return [by_id[intent_id] for intent_id in order]


def _control_for_update(repository: Repository, target: str) -> QueueControl:
    control, _ = QueueControl.objects.get_or_create(repository=repository, target=target)
    return QueueControl.objects.select_for_update().get(pk=control.pk)


def queue_pause(*, repository: Repository, target: str, reason: str, actor: str) -> dict[str, Any]:
    """Pause merges on ``target``; a second pause changes and records nothing."""
    with transaction.atomic():
        control = _control_for_update(repository, target)
        if control.paused:
            return {**queue_control_serialize(control), "changed": False}
        control.paused = True
        control.pause_reason = reason
        control.paused_by = actor
        control.paused_at = timezone.now()
        control.save(update_fields=["paused", "pause_reason", "paused_by", "paused_at"])
        event_append(
            event_type="queue.paused",
            payload={"repository": repository.name, "target": target, "reason": reason},
            evidence={"actor": actor},
            agent_id=actor,
        )
    return {**queue_control_serialize(control), "changed": True}


def queue_resume(
    *, repository: Repository, target: str, actor: str, reason: str = ""
) -> dict[str, Any]:
    """Resume merges on ``target``; resuming a running queue changes and records nothing."""
    with transaction.atomic():
        control = _control_for_update(repository, target)
        if not control.paused:
            return {**queue_control_serialize(control), "changed": False}
        paused_for = control.pause_reason
        control.paused = False
        control.pause_reason = ""
        control.paused_by = ""
        control.paused_at = None
        control.save(update_fields=["paused", "pause_reason", "paused_by", "paused_at"])
        event_append(
            event_type="queue.resumed",
            payload={
                "repository": repository.name,
                "target": target,
                "reason": reason,
                "paused_for": paused_for,
            },
            evidence={"actor": actor},
            agent_id=actor,
        )
    return {**queue_control_serialize(control), "changed": True}


def queue_jump(
    *, intent_id: str, reason: str, actor: str, tenant_id: str | None = None
) -> dict[str, Any]:
    """Put an active intent at the head of its queue, to be tested alone (a READY one goes
    first once validated)."""
    intent = intent_get(intent_id, tenant_id=tenant_id)
    if intent.status not in ACTIVE:
        raise Conflict(
            f"Intent {intent.id} is {intent.status}: only an active intent can jump the queue",
            intent_id=intent.id,
            status=intent.status,
        )
    with transaction.atomic():
        jump, created = QueueJump.objects.get_or_create(
            intent=intent, defaults={"reason": reason, "actor": actor}
        )
        if created:
            event_append(
                event_type="queue.jumped",
                intent_id=intent.id,
                tenant_id=intent.tenant_id,
                payload={
                    "reason": reason,
                    "target": intent.target,
                    "priority": intent.priority,
                },
                evidence={"actor": actor},
                agent_id=actor,
            )
    return {
        "intent_id": intent.id,
        "target": intent.target,
        "reason": jump.reason,
        "actor": jump.actor,
        "jumped_at": jump.jumped_at.isoformat(),
        "changed": created,
    }


def queue_control_serialize(control: QueueControl) -> dict[str, Any]:
    return {
        "target": control.target,
        "paused": control.paused,
        "reason": control.pause_reason or None,
        "paused_by": control.paused_by or None,
        "paused_at": control.paused_at.isoformat() if control.paused_at else None,
    }
