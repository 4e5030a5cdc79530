"""``converge doctor``'s ``worker`` check (``CONVERGE_DOCTOR_CHECKS``): read from the
worker-state table, which each heartbeat refreshes (heartbeats are not events)."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone

from intents.models import WorkerHeartbeat
from interfaces.doctor import Check

# A running worker not heard from for this many heartbeat intervals may have died.
STALE_HEARTBEATS = 3
LISTED = 5


def check_worker() -> Check:
    """Pass when a running worker's heartbeat is recent (or no worker ever ran: the queue is
    then run by `converge queue run`); warn when every running worker has gone quiet."""
    running = list(WorkerHeartbeat.objects.filter(stopped_at__isnull=True)[:LISTED])
    if not running:
        last = WorkerHeartbeat.objects.first()
        if last is None:
            return Check("worker", "pass", "no worker has run (queue runs are manual)")
        return Check("worker", "pass", f"no worker running (the last, {last.node}, stopped)")
    now = timezone.now()
    ages = {row.node: (now - row.last_seen_at).total_seconds() for row in running}
    detail = "; ".join(
        f"{row.node} seen {ages[row.node]:.0f} s ago, {row.cycles} cycles "
        f"({row.idle_cycles} idle), {row.total_processed} processed, "
        f"queue depth {row.queue_depth}"
        for row in running
    )
    cycles = settings.CONVERGE_WORKER_HEARTBEAT_CYCLES
    if cycles <= 0:
        return Check("worker", "pass", f"{detail} (heartbeats are off)")
    stale_after = STALE_HEARTBEATS * cycles * settings.CONVERGE_WORKER_POLL_INTERVAL
    if min(ages.values()) > stale_after:
        return Check(
            "worker",
            "warn",
            f"no heartbeat for over {stale_after:.0f} s: {detail}",
            "Start `converge worker` again; its queue locks are recovered after their TTL",
        )
    return Check("worker", "pass", detail)
