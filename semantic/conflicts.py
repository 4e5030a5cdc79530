"""Semantic conflict detection, the open conflicts and their resolution (operations §5.4).

Candidates are the in-flight intents (READY/VALIDATED/QUEUED) of one repository and tenant,
across its targets (decisions §19), with a stored vector of the scan's model; each group is one
blockwise matrix product (:func:`converge_core.semantic.find_conflicts`). A scan that persists
writes a conflict row and ``semantic_conflict.detected`` only for a pair that is new or whose
score changed; a resolved or acknowledged pair stays closed. In ``enforce`` mode the younger
intent of each open pair is held by a review (trigger ``conflict``; a hold charges no retry)
until the pair is resolved, which cancels that review.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from converge_core.errors import InvalidInput
from converge_core.reviews import OPEN, ReviewTrigger
from converge_core.semantic import (
    CONFLICT_THRESHOLD,
    SIMILARITY_THRESHOLD,
    ConflictMode,
    ConflictStatus,
    FoundConflict,
    ScanItem,
    find_conflicts,
    thresholds,
)
from converge_core.states import ACTIVE
from flags.selectors import flag_is_enabled, flag_mode
from intents.models import Intent
from intents.selectors import intent_get
from ledger.append import event_append
from reviews.models import ReviewTask
from reviews.services import review_cancel, review_request_automatic
from semantic.models import Embedding, SemanticConflict
from semantic.providers import provider_get
from semantic.serialization import conflict_payload

logger = logging.getLogger(__name__)

MODES = tuple(str(m) for m in ConflictMode)


@dataclass
class Group:
    """The in-flight intents of one (repository, tenant) with a vector, in matching order."""

    repository_id: int
    tenant_id: str | None
    items: list[ScanItem]
    vectors: list[bytes]


def _scope(technical: Any) -> frozenset[str]:
    hint = technical.get("scope_hint") if isinstance(technical, Mapping) else None
    if isinstance(hint, str):
        return frozenset([hint])
    if isinstance(hint, list):
        return frozenset(str(item) for item in hint)
    return frozenset()


def _groups(
    *, model: str, tenant_id: str | None, target: str | None, repository_id: int | None
) -> tuple[list[Group], int]:
    """The scan's groups, and how many in-flight intents lack a vector of ``model``."""
    intents = Intent.objects.filter(status__in=list(ACTIVE))
    if tenant_id is not None:
        intents = intents.filter(tenant_id=tenant_id)
    if target is not None:
        intents = intents.filter(target=target)
    if repository_id is not None:
        intents = intents.filter(repository_id=repository_id)
    rows = (
        Embedding.objects.filter(model=model, intent__in=intents)
        .order_by("intent_id")
        .values_list(
            "intent_id",
            "vector",
            "intent__repository_id",
            "intent__tenant_id",
            "intent__target",
            "intent__plan_id",
            "intent__technical",
            "intent__created_at",
        )
    )
    groups: dict[tuple[int, str | None], Group] = {}
    embedded = 0
    for intent_id, vector, repo, tenant, branch, plan, technical, created in rows:
        embedded += 1
        group = groups.get((repo, tenant))
        if group is None:
            group = groups[(repo, tenant)] = Group(repo, tenant, [], [])
        group.items.append(
            ScanItem(
                intent_id=intent_id,
                target=branch,
                plan_id=plan,
                scope=_scope(technical),
                created_at=created.timestamp(),
            )
        )
        group.vectors.append(bytes(vector))
    missing = intents.count() - embedded
    if missing:
        logger.warning("semantic scan: %d in-flight intents have no %s vector", missing, model)
    return list(groups.values()), missing


def _matrix(vectors: Sequence[bytes]) -> np.ndarray[Any, np.dtype[np.float32]]:
    return np.frombuffer(b"".join(vectors), dtype="<f4").reshape(len(vectors), -1)


def _hold(conflict: SemanticConflict, younger: str, *, actor: str) -> None:
    """Hold the younger intent of an open pair through a review (one per intent is reused)."""
    task = review_request_automatic(
        intent_id=younger, trigger=str(ReviewTrigger.CONFLICT), actor=actor
    )
    if task is not None:
        conflict.held_intent_id = younger
        conflict.review = task
        conflict.save(update_fields=["held_intent", "review"])


def _record(
    found: FoundConflict,
    row: SemanticConflict,
    *,
    mode: str,
    changed: bool,
    actor: str,
    given: tuple[float | None, float | None],
    plans: Mapping[str, str | None],
) -> None:
    event_append(
        event_type="semantic_conflict.detected",
        intent_id=found.intent_a,
        tenant_id=row.tenant_id,
        agent_id=actor,
        payload={**conflict_payload(row), "mode": mode, "changed": changed},
        evidence={
            "plan_a": plans.get(found.intent_a),
            "plan_b": plans.get(found.intent_b),
            "similarity_threshold": given[0],
            "conflict_threshold": given[1],
        },
    )


def _persist(
    group: Group,
    found: list[FoundConflict],
    *,
    model: str,
    mode: str,
    actor: str,
    given: tuple[float | None, float | None],
) -> dict[str, int]:
    """Open new pairs, update changed ones, hold in enforce mode; counts of what changed."""
    ids = {item.intent_id for item in group.items}
    plans = {item.intent_id: item.plan_id for item in group.items}
    existing = {
        (row.intent_a_id, row.intent_b_id): row
        for row in SemanticConflict.objects.filter(
            intent_a__repository_id=group.repository_id, intent_a__tenant_id=group.tenant_id
        ).filter(Q(intent_a_id__in=ids) | Q(status=ConflictStatus.OPEN))
    }
    opened = changed = held = 0
    now = timezone.now()
    with transaction.atomic():
        for pair in found:
            row = existing.get((pair.intent_a, pair.intent_b))
            values = {
                "score": pair.score,
                "similarity": pair.similarity,
                "target_overlap": pair.target_overlap,
                "scope_overlap": pair.scope_overlap,
                "target": pair.target,
                "model": model,
            }
            if row is None:
                row = SemanticConflict.objects.create(
                    tenant_id=group.tenant_id,
                    intent_a_id=pair.intent_a,
                    intent_b_id=pair.intent_b,
                    mode=mode,
                    detected_at=now,
                    **values,
                )
                _record(pair, row, mode=mode, changed=False, actor=actor, given=given, plans=plans)
                opened += 1
            elif row.status != ConflictStatus.OPEN:
                continue
            elif any(getattr(row, key) != value for key, value in values.items()):
                for key, value in values.items():
                    setattr(row, key, value)
                row.mode = mode
                row.save()
                _record(pair, row, mode=mode, changed=True, actor=actor, given=given, plans=plans)
                changed += 1
            if mode == ConflictMode.ENFORCE and row.review_id is None:
                _hold(row, pair.younger, actor=actor)
                held += 1 if row.review_id else 0
    return {"opened": opened, "changed": changed, "held": held}


def conflict_scan(
    *,
    tenant_id: str | None = None,
    target: str | None = None,
    model: str | None = None,
    similarity_threshold: float | None = SIMILARITY_THRESHOLD,
    conflict_threshold: float | None = CONFLICT_THRESHOLD,
    mode: str | None = None,
    repository_id: int | None = None,
    persist: bool = True,
    actor: str,
) -> dict[str, Any]:
    """Find the conflicts among in-flight intents; with ``persist``, record the new and
    changed ones (and hold in enforce mode). ``model`` defaults to the active provider's,
    ``mode`` to the ``semantic_conflicts`` flag's; omitted thresholds take the model's kind
    defaults (0.95/0.80 for deterministic models)."""
    mode = mode or flag_mode("semantic_conflicts") or str(ConflictMode.SHADOW)
    if mode not in MODES:
        raise InvalidInput(f"mode must be one of {', '.join(MODES)}", field="mode")
    for name, value in (
        ("similarity_threshold", similarity_threshold),
        ("conflict_threshold", conflict_threshold),
    ):
        if value is not None and not 0.0 <= value <= 1.0:
            raise InvalidInput(f"{name} must be between 0 and 1", field=name)
    model = model or provider_get().model
    similarity, conflict = thresholds(model, similarity_threshold, conflict_threshold)
    groups, missing = _groups(
        model=model, tenant_id=tenant_id, target=target, repository_id=repository_id
    )
    conflicts: list[dict[str, Any]] = []
    checked = 0
    counts: dict[str, int] = defaultdict(int)
    for group in groups:
        found, pairs = find_conflicts(
            group.items,
            _matrix(group.vectors),
            similarity_threshold=similarity,
            conflict_threshold=conflict,
        )
        checked += pairs
        if persist and found:
            for key, value in _persist(
                group,
                found,
                model=model,
                mode=mode,
                actor=actor,
                given=(similarity_threshold, conflict_threshold),
            ).items():
                counts[key] += value
        conflicts += [
            {
                "intent_a": pair.intent_a,
                "intent_b": pair.intent_b,
                "score": pair.score,
                "similarity": pair.similarity,
                "target_overlap": pair.target_overlap,
                "scope_overlap": pair.scope_overlap,
                "target": pair.target,
            }
            for pair in found
        ]
    conflicts.sort(key=lambda c: (-c["similarity"], c["intent_a"], c["intent_b"]))
    result: dict[str, Any] = {
        "conflicts": conflicts,
        "candidates_checked": checked,
        "not_indexed": missing,
        "mode": mode,
        "model": model,
        "similarity_threshold": similarity,
        "threshold": conflict,
        "timestamp": timezone.now().isoformat(),
    }
    if persist:
        result["persisted"] = {key: counts[key] for key in ("opened", "changed", "held")}
    return result


def conflict_scan_automatic(
    *, actor: str, repository_id: int | None = None, tenant_id: str | None = None
) -> dict[str, Any] | None:
    """The scan run after indexing and on the beat: nothing while ``semantic_conflicts`` is
    off; the flag's mode; the thresholds of the active model's kind."""
    if not flag_is_enabled("semantic_conflicts"):
        return None
    return conflict_scan(
        repository_id=repository_id,
        tenant_id=tenant_id,
        similarity_threshold=None,
        conflict_threshold=None,
        actor=actor,
    )


def _release(conflict: SemanticConflict, *, reason: str, actor: str) -> bool:
    """Cancel the pair's review unless another open conflict of the held intent still needs
    it; whether it was cancelled."""
    if conflict.review_id is None:
        return False
    still_needed = (
        SemanticConflict.objects.filter(review_id=conflict.review_id, status=ConflictStatus.OPEN)
        .exclude(pk=conflict.pk)
        .exists()
    )
    open_review = ReviewTask.objects.filter(pk=conflict.review_id, status__in=OPEN).exists()
    if still_needed or not open_review:
        return False
    review_cancel(task_id=conflict.review_id, reason=reason, actor=actor)
    return True


def conflict_resolve(
    *,
    intent_a: str,
    intent_b: str,
    resolution: str = "acknowledged",
    tenant_id: str | None = None,
    actor: str,
    status: str = ConflictStatus.RESOLVED,
) -> dict[str, Any]:
    """Close the pair with who and why, cancel its review (releasing the hold); for a pair
    with no open conflict, record an acknowledgement that keeps it from being reported."""
    resolution = (resolution or "").strip() or "acknowledged"
    if len(resolution) > 10_000:
        raise InvalidInput("resolution is longer than 10000 characters", field="resolution")
    if intent_a == intent_b:
        raise InvalidInput("intent_a and intent_b must differ", field="intent_b")
    if status not in (ConflictStatus.RESOLVED, ConflictStatus.ACKNOWLEDGED):
        raise InvalidInput("status must be resolved or acknowledged", field="status")
    first = intent_get(intent_a, tenant_id=tenant_id)
    second = intent_get(intent_b, tenant_id=tenant_id)
    if first.pk > second.pk:
        first, second = second, first
    now = timezone.now()
    with transaction.atomic():
        row = (
            SemanticConflict.objects.select_for_update()
            .filter(intent_a=first, intent_b=second)
            .first()
        )
        if row is not None and row.status != ConflictStatus.OPEN and row.resolution == resolution:
            return _resolved(row, released=False, recorded=False)
        if row is None:
            row = SemanticConflict(
                tenant_id=first.tenant_id,
                intent_a=first,
                intent_b=second,
                model="",
                score=0.0,
                similarity=0.0,
                target_overlap=1.0 if first.target == second.target else 0.0,
                scope_overlap=0.0,
                target=first.target,
                mode=flag_mode("semantic_conflicts") or str(ConflictMode.SHADOW),
                detected_at=now,
            )
            status = ConflictStatus.ACKNOWLEDGED
        elif row.status != ConflictStatus.OPEN:
            status = ConflictStatus(row.status)
        row.status = status
        row.resolution = resolution
        row.resolved_by = actor
        row.resolved_at = now
        row.save()
        released = _release(
            row,
            reason=f"semantic conflict {first.pk} ~ {second.pk} resolved: {resolution}",
            actor=actor,
        )
        event_append(
            event_type="semantic_conflict.resolved",
            intent_id=first.pk,
            tenant_id=row.tenant_id,
            agent_id=actor,
            payload={
                "intent_a": first.pk,
                "intent_b": second.pk,
                "resolution": resolution,
                "resolved_by": actor,
                "status": status,
                "review_cancelled": row.review_id if released else None,
            },
        )
    return _resolved(row, released=released, recorded=True)


def _resolved(row: SemanticConflict, *, released: bool, recorded: bool) -> dict[str, Any]:
    return {
        "ok": True,
        "intent_a": row.intent_a_id,
        "intent_b": row.intent_b_id,
        "resolution": row.resolution,
        "status": row.status,
        "resolved_by": row.resolved_by,
        "review_cancelled": row.review_id if released else None,
        "recorded": recorded,
    }
