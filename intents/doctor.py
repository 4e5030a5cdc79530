"""``converge doctor``'s ``worker`` and ``queue_locks`` checks (``CONVERGE_DOCTOR_CHECKS``).

The worker check reads the worker-state table, which each heartbeat refreshes (heartbeats are
not events)."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone

from intents.locks import lock_mechanism_describe
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


def check_queue_locks() -> Check:
    """How queue locks are taken; a warning when ``advisory_locks`` is on where it does nothing."""
    mechanism = lock_mechanism_describe()
    if mechanism["backend"] != "postgres" and mechanism["flag"] != "disabled":
        return Check(
            "queue_locks",
            "warn",
            mechanism["detail"],
            "Advisory locks need PostgreSQL (CONVERGE_DB_BACKEND=postgres); "
            "disable the advisory_locks flag on SQLite",
        )
    return Check("queue_locks", "pass", mechanism["detail"])
