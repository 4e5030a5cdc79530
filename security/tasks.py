"""Celery tasks of the security app (routed to the ``security`` queue): thin and idempotent;
the services do the work."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from interfaces.taskpolicy import RETRY_POLICY


@shared_task(acks_late=True, soft_time_limit=600, time_limit=660, **RETRY_POLICY)
def security_scan_task(scan_id: str) -> dict[str, Any] | None:
    """Run one queued scan; a redelivered scan already started is left alone."""
    from security.services import scan_run_queued

    return scan_run_queued(scan_id)


@shared_task(acks_late=True, soft_time_limit=60, time_limit=90, **RETRY_POLICY)
def security_prescan_dispatch_task() -> list[str]:
    """Queue pre-scans of new and updated intents (the beat runs it every poll interval)."""
    from security.services import prescan_dispatch

    return prescan_dispatch()
