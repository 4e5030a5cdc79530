"""Housekeeping tasks of the site itself."""

from __future__ import annotations

from celery import shared_task

from converge_site.broker import broker_sweep


@shared_task(soft_time_limit=60, time_limit=120)
def embedded_broker_sweep_task() -> dict[str, int]:
    """Requeue the embedded broker's messages claimed by a worker that stopped an hour ago or
    more, and delete the staging files of producers that died while writing."""
    return broker_sweep()
