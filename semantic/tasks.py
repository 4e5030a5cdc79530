"""Celery tasks of the semantic app: thin and idempotent; the services do the work.

Only the indexing tasks embed (and so may load the language model); the scans read stored
vectors and never import torch.
"""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.conf import settings

from interfaces.taskpolicy import RETRY_POLICY


@shared_task(acks_late=True, soft_time_limit=120, time_limit=150, **RETRY_POLICY)
def semantic_index_task(
    intent_id: str, provider: str | None = None, force: bool = False, actor: str | None = None
) -> dict[str, Any]:
    """Embed one intent (``POST /v1/semantic/index/{id}``), then scan its repository."""
    from semantic.index import index_one

    return index_one(
        intent_id=intent_id,
        provider=provider,
        force=force,
        actor=actor or settings.CONVERGE_ACTOR,
    )


@shared_task(acks_late=True, soft_time_limit=1800, time_limit=1900, **RETRY_POLICY)
def semantic_reindex_task(
    tenant_id: str | None = None,
    provider: str | None = None,
    force: bool = False,
    actor: str | None = None,
) -> dict[str, Any]:
    """Embed every missing or stale vector (``POST /v1/semantic/reindex``)."""
    from semantic.index import reindex

    return reindex(
        tenant_id=tenant_id,
        provider=provider,
        force=force,
        actor=actor or settings.CONVERGE_ACTOR,
    )


@shared_task(acks_late=True, soft_time_limit=240, time_limit=300, **RETRY_POLICY)
def semantic_index_pending_task() -> dict[str, Any] | None:
    """The beat's indexing of new and changed in-flight intents (while ``intent_semantics``
    is on), followed by a scan of the repositories that changed."""
    from flags.selectors import flag_is_enabled
    from semantic.index import index_pending

    if not flag_is_enabled("intent_semantics"):
        return None
    return index_pending(actor=settings.CONVERGE_ACTOR)


@shared_task(acks_late=True, soft_time_limit=240, time_limit=300, **RETRY_POLICY)
def semantic_conflict_scan_task(
    tenant_id: str | None = None,
    actor: str | None = None,
    mode: str | None = None,
) -> dict[str, Any] | None:
    """A persisting scan of every repository (the beat's, and ``POST …/conflicts/scan``).
    Scans from the beat honour the ``semantic_conflicts`` flag."""
    from semantic.conflicts import conflict_scan, conflict_scan_automatic

    if actor is None:
        return conflict_scan_automatic(actor=settings.CONVERGE_ACTOR, tenant_id=tenant_id)
    return conflict_scan(tenant_id=tenant_id, mode=mode, actor=actor)
