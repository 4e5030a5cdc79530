"""The dashboard panels of intents (``CONVERGE_DASHBOARD_SECTIONS``): the live queue of each
repository and target with the reason each intent waits, its charts, and the queue locks with
their holder's liveness.

Each panel runs a fixed number of queries however long the queue is.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, F, Q, Window
from django.db.models.functions import RowNumber
from django.urls import reverse
from django.utils import timezone

from converge_core.charts import Chart, bar_chart, percentile
from converge_core.hooks import DashboardSection, QueueHold
from converge_core.states import ACTIVE, Status
from intents.hooks import queue_holds
from intents.models import Intent, IntentDecision, QueueLock, WorkerHeartbeat

VIEW = "intents.view_intent"
OPERATE = "intents.operate_queue"
SHOWN_PER_QUEUE = 15
HOURS = 24
# a worker is alive while its last heartbeat is younger than this many heartbeat intervals
STALE_HEARTBEATS = 3


def decision_of(intent: Intent) -> dict[str, Any] | None:
    """The intent's last decision (select ``last_decision`` with the rows)."""
    try:
        return intent.last_decision.decision
    except IntentDecision.DoesNotExist:
        return None


def wait_reason(
    intent: Intent,
    *,
    hold: QueueHold | None,
    unmet: list[str],
    locked_by: str | None,
) -> tuple[str, str]:
    """``(kind, reason)`` of why an active intent is not merged yet: a review hold, a
    dependency, the last decision's gate or conflict, the queue lock, or its turn."""
    decision = decision_of(intent)
    if hold is not None:
        return "review hold", hold.reason
    if unmet:
        return "dependency", f"waits for {', '.join(unmet)}"
    if decision is None:
        return "new", "not validated yet"
    if decision.get("decision") != "validated":
        reason = str(decision.get("reason") or decision.get("decision"))
        kind = "conflict" if "conflict" in reason.lower() else "gate"
        return kind, reason
    if locked_by:
        return "lock", f"a queue run holds the lock ({locked_by})"
    return "turn", "validated; waits for its turn"


def wait_reasons(intents: list[Intent]) -> dict[str, tuple[str, str]]:
    """:func:`wait_reason` of each active intent (finished ones are absent), in a fixed
    number of queries: the queue holds, the dependencies' statuses and the queue locks."""
    active = [intent for intent in intents if intent.status in ACTIVE]
    if not active:
        return {}
    holds: dict[str, QueueHold] = {}
    for hook in queue_holds():
        holds.update(hook([intent.pk for intent in active]))
    wanted = {dep for intent in active for dep in intent.dependencies}
    merged = set(
        Intent.objects.filter(pk__in=wanted, status=Status.MERGED).values_list("pk", flat=True)
    )
    locks = {(lock.repository_id, lock.target): lock.holder for lock in QueueLock.objects.all()}
    return {
        intent.pk: wait_reason(
            intent,
            hold=holds.get(intent.pk),
            unmet=[dep for dep in intent.dependencies if dep not in merged],
            locked_by=locks.get((intent.repository_id, intent.target)),
        )
        for intent in active
    }


def _hour_labels(start: datetime) -> list[str]:
    return [f"{(start + timedelta(hours=h)):%m-%d %H}:00 UTC" for h in range(HOURS)]


def _charts(now: datetime) -> dict[str, Any]:
    """Queue depth and merges per hour over the last 24 h, and time in queue per target.

    The hourly counts are conditional aggregates of one query (the database counts, however
    deep the queue); only the last day's merges are read, for the time-in-queue percentiles.
    """
    start = (now - timedelta(hours=HOURS - 1)).replace(minute=0, second=0, microsecond=0)
    ends = [start + timedelta(hours=h + 1) for h in range(HOURS)]
    merged = Q(status=Status.MERGED)
    counts = (
        Intent.objects.filter(created_at__lte=now)
        .exclude(status__in=[Status.MERGED, Status.REJECTED], updated_at__lt=start)
        .aggregate(
            **{
                f"depth_{hour}": Count(
                    "pk",
                    filter=Q(created_at__lte=end) & (Q(status__in=ACTIVE) | Q(updated_at__gt=end)),
                )
                for hour, end in enumerate(ends)
            },
            **{
                f"merges_{hour}": Count(
                    "pk",
                    filter=merged
                    & Q(updated_at__gte=end - timedelta(hours=1))
                    & (Q(updated_at__lt=end) if hour < HOURS - 1 else Q()),
                )
                for hour, end in enumerate(ends)
            },
        )
    )
    depth = [counts[f"depth_{hour}"] for hour in range(HOURS)]
    merges = [counts[f"merges_{hour}"] for hour in range(HOURS)]
    waited: dict[str, list[float]] = defaultdict(list)
    for created_at, updated_at, target in (
        Intent.objects.filter(merged, created_at__lte=now, updated_at__gte=start)
        .order_by()
        .values_list("created_at", "updated_at", "target")
    ):
        waited[target].append((updated_at - created_at).total_seconds())
    labels = _hour_labels(start)
    return {
        "depth_chart": bar_chart(depth, labels),
        "merges_chart": bar_chart(merges, labels),
        "merges_24h": sum(merges),
        "time_in_queue": [
            {
                "target": target,
                "merged": len(seconds),
                "p50": _minutes(percentile(seconds, 0.5)),
                "p95": _minutes(percentile(seconds, 0.95)),
            }
            for target, seconds in sorted(waited.items())
        ],
        "time_chart": _time_chart(waited),
    }


def _minutes(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 60, 1)


def _time_chart(waited: dict[str, list[float]]) -> Chart | None:
    if not waited:
        return None
    targets = sorted(waited)
    values: list[float] = []
    labels: list[str] = []
    for target in targets:
        for name, fraction in (("p50", 0.5), ("p95", 0.95)):
            values.append(_minutes(percentile(waited[target], fraction)) or 0.0)
            labels.append(f"{target} {name}")
    return bar_chart(values, labels, width=max(160, 90 * len(values)))


def queue_section(*, permissions: frozenset[str]) -> DashboardSection | None:
    """Per repository and target: depth, merges in 24 h and the first intents in order."""
    if VIEW not in permissions:
        return None
    now = timezone.now()
    changelist = reverse("admin:intents_intent_changelist")
    depths = (
        Intent.objects.filter(status__in=ACTIVE)
        .order_by()
        .values_list("repository_id", "repository__name", "target")
        .annotate(depth=Count("pk"))
    )
    queues: dict[tuple[int, str], dict[str, Any]] = {
        (repo_id, target): {
            "repository": name,
            "target": target,
            "depth": depth,
            "url": f"{changelist}?repository__id__exact={repo_id}&target={target}",
            "intents": [],
        }
        for repo_id, name, target, depth in depths
    }
    # the first intents of each queue: their ids in one query (ranked in the database), then
    # their rows in another
    first: dict[tuple[int, str], list[str]] = defaultdict(list)
    ranked = (
        Intent.objects.filter(status__in=ACTIVE)
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("repository_id"), F("target")],
                order_by=[F("priority").asc(), F("created_at").asc(), F("pk").asc()],
            )
        )
        .filter(rank__lte=SHOWN_PER_QUEUE)
        .order_by("priority", "created_at", "pk")
        .values_list("pk", "repository_id", "target")
    )
    for intent_id, repo_id, target in ranked:
        first[(repo_id, target)].append(intent_id)
    picked = [intent_id for ids in first.values() for intent_id in ids]
    shown = list(
        Intent.objects.filter(pk__in=picked)
        .select_related("last_decision")
        .order_by("priority", "created_at")
    )
    reasons = wait_reasons(shown)
    for intent in shown:
        kind, reason = reasons[intent.pk]
        queues[(intent.repository_id, intent.target)]["intents"].append(
            {
                "intent": intent,
                "kind": kind,
                "reason": reason,
                "url": reverse("admin:intents_intent_change", args=[intent.pk]),
            }
        )
    return DashboardSection(
        title="Merge queue",
        template="admin/console/sections/queue.html",
        order=10,
        context={
            "queues": sorted(queues.values(), key=lambda q: (q["repository"], q["target"])),
            "total": sum(q["depth"] for q in queues.values()),
            "list_url": changelist,
            "merged_url": f"{changelist}?lifecycle=finished&status__exact=MERGED",
            **_charts(now),
        },
    )


def _liveness(holder: str, beats: list[WorkerHeartbeat], now: datetime) -> tuple[bool, str]:
    node = holder.rsplit(":", 2)[0]
    stale_after = (
        STALE_HEARTBEATS
        * settings.CONVERGE_WORKER_HEARTBEAT_CYCLES
        * settings.CONVERGE_WORKER_POLL_INTERVAL
    )
    for beat in beats:
        if node in (beat.node, beat.hostname):
            age = (now - beat.last_seen_at).total_seconds()
            if beat.stopped_at is not None:
                return False, f"worker {beat.node} stopped"
            if stale_after > 0 and age > stale_after:
                return False, f"worker {beat.node} silent for {age:.0f} s"
            return True, f"worker {beat.node} seen {age:.0f} s ago"
    return False, "no worker heartbeat (a manual queue run)"


def locks_section(*, permissions: frozenset[str]) -> DashboardSection | None:
    """Queue locks with whether their holder is alive; a stale one can be released here."""
    if "intents.view_queuelock" not in permissions:
        return None
    now = timezone.now()
    beats = list(WorkerHeartbeat.objects.all()[:50])
    rows = []
    for lock in QueueLock.objects.all()[:50]:
        alive, liveness = _liveness(lock.holder, beats, now)
        expired = lock.expires_at < now
        rows.append(
            {
                "lock": lock,
                "alive": alive,
                "liveness": liveness,
                "expired": expired,
                "stale": expired or not alive,
            }
        )
    return DashboardSection(
        title="Queue locks",
        template="admin/console/sections/locks.html",
        order=40,
        context={
            "locks": rows,
            "workers": beats,
            "can_release": OPERATE in permissions,
            "list_url": reverse("admin:intents_queuelock_changelist"),
            "workers_url": reverse("admin:intents_workerheartbeat_changelist"),
        },
    )
