"""Conflict rows as the API, the CLI and the events show them."""

from __future__ import annotations

from typing import Any

from semantic.models import SemanticConflict


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def conflict_payload(row: SemanticConflict) -> dict[str, Any]:
    """What ``semantic_conflict.detected`` records of a pair."""
    return {
        "intent_a": row.intent_a_id,
        "intent_b": row.intent_b_id,
        "score": row.score,
        "similarity": row.similarity,
        "target_overlap": row.target_overlap,
        "scope_overlap": row.scope_overlap,
        "target": row.target,
    }


def conflict_serialize(row: SemanticConflict) -> dict[str, Any]:
    return {
        **conflict_payload(row),
        "tenant_id": row.tenant_id,
        "model": row.model,
        "mode": row.mode,
        "status": row.status,
        "held_intent": row.held_intent_id,
        "review_id": row.review_id,
        "resolution": row.resolution,
        "resolved_by": row.resolved_by,
        "detected_at": _iso(row.detected_at),
        "resolved_at": _iso(row.resolved_at),
    }
