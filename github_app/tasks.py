"""Celery tasks of the GitHub App: thin, idempotent, given ids; the services do the work."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from github_app.deliveries import deliveries_due, deliveries_prune, delivery_process
from github_app.mirrors import FETCH_TIMEOUT
from github_app.publishing import check_run_publish, publications_due
from github_app.validation import github_intent_validate, mirror_refresh, mirrors_safety_fetch
from interfaces.taskpolicy import RETRY_POLICY


@shared_task(
    acks_late=True,
    soft_time_limit=FETCH_TIMEOUT + 60,
    time_limit=FETCH_TIMEOUT + 120,
    **RETRY_POLICY,
)
def delivery_process_task(delivery_id: str) -> dict[str, Any]:
    """Fetch what a delivery says moved, then apply it (a completed delivery is a no-op)."""
    return delivery_process(delivery_id)


@shared_task(bind=True, acks_late=True, soft_time_limit=900, time_limit=960, **RETRY_POLICY)
def github_intent_validate_task(self: Any, intent_id: str, force: bool = False) -> dict[str, Any]:
    """Validate an intent that came from GitHub; its decision is published by the hook."""
    return github_intent_validate(
        intent_id=intent_id, force=force, hostname=self.request.hostname or "worker"
    )


@shared_task(acks_late=True, soft_time_limit=120, time_limit=150, **RETRY_POLICY)
def check_run_publish_task(row_id: int) -> dict[str, Any]:
    """Show one decision on GitHub; a failure stays on the row for the sweep."""
    return check_run_publish(row_id)


@shared_task(
    acks_late=True,
    soft_time_limit=FETCH_TIMEOUT + 60,
    time_limit=FETCH_TIMEOUT + 120,
    **RETRY_POLICY,
)
def mirror_refresh_task(full_name: str, refs: list[str] | None = None) -> dict[str, Any]:
    """Fetch a mirror (a merge found GitHub ahead of it) and revalidate its waiting intents."""
    return mirror_refresh(full_name=full_name, refs=refs)


@shared_task(soft_time_limit=50, time_limit=60, **RETRY_POLICY)
def github_sweep_task() -> dict[str, int]:
    """Queue again the deliveries whose work was lost and the publications still due; forget
    completed deliveries after 90 days."""
    deliveries = deliveries_due()
    for delivery_id in deliveries:
        delivery_process_task.delay(delivery_id)
    publications = publications_due()
    for row_id in publications:
        check_run_publish_task.delay(row_id)
    return {
        "deliveries": len(deliveries),
        "publications": len(publications),
        "pruned": deliveries_prune(),
    }


@shared_task(soft_time_limit=1800, time_limit=1860, **RETRY_POLICY)
def mirrors_safety_fetch_task() -> dict[str, Any]:
    """The slow safety fetch of every mirror with active intents."""
    return mirrors_safety_fetch()
