"""Celery task of the read models: the scheduled health and debt snapshots."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

from converge_core.predictions import SNAPSHOT_SLOT_SECONDS
from insights.services import snapshots_record_all
from interfaces.taskpolicy import RETRY_POLICY

# The beat's cadence (``operations-snapshots``): one set of snapshots per slot of this length.
SNAPSHOT_INTERVAL_SECONDS = SNAPSHOT_SLOT_SECONDS


@shared_task(acks_late=True, soft_time_limit=120, time_limit=180, **RETRY_POLICY)
def snapshots_record_all_task(interval_seconds: int = SNAPSHOT_INTERVAL_SECONDS) -> dict[str, Any]:
    """Health and debt snapshots of everything and of each active tenant, once per slot, each
    recorded only when its value changed since the last one.

    The trends and the health prediction read these snapshots: a duplicate delivery (or a
    second beat) in the same slot records nothing, so no series gets a doubled point. A run
    that fails gives its slot back, so its retry records.
    """
    now = timezone.now()
    slot = f"intake:snapshots:{int(now.timestamp()) // interval_seconds}"
    if not cache.add(slot, now.isoformat(), timeout=2 * interval_seconds):
        return {"snapshots": [], "skipped": "already recorded in this slot"}
    try:
        return snapshots_record_all(now=now)
    except Exception:
        cache.delete(slot)
        raise
