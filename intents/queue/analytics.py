"""Failure analytics of the merge queue, computed from the ledger with bounded queries.

Per target, over ``[since, now]``: merges, blocks by gate and reason, batch sizes and outcomes,
bisections and the tree tests they added, check durations (p50/p95) and flaky checks, and time
in queue (p50/p95, from an intent's first ``intent.validated`` to its ``intent.merged``). Each
figure reads at most ``SAMPLE`` events of one kind (newest first): a busy log costs the same
as a quiet one, and ``truncated`` says when a sample was cut.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from converge_core.audit import format_timestamp
from converge_core.queuestats import (
    batch_figures,
    block_gate,
    check_figures,
    reason_headline,
    spread,
)
from intents.models import Intent, Repository
from ledger.selectors import event_feed

SAMPLE = 5000
DEFAULT_SINCE = timedelta(days=7)
BLOCK_EVENTS = ("intent.requeued", "intent.rejected", "intent.merge_failed", "intent.blocked")


def _rows(event_type: str | tuple[str, ...], since: datetime, **filters: Any) -> list[Any]:
    feed = event_feed(event_type=event_type, since=since, **filters)
    return list(feed.values_list("timestamp", "intent_id", "payload")[:SAMPLE])


def queue_analytics(
    *, repository: Repository, since: datetime | None = None, tenant_id: str | None = None
) -> dict[str, Any]:
    """The analytics document of ``queue analytics`` and ``GET /v1/queue/analytics``."""
    now = timezone.now()
    since = since or now - DEFAULT_SINCE
    scoped: dict[str, Any] = {"tenant_id": tenant_id}
    tests = _rows("queue.batch_tested", since, payload={"repository": repository.name})
    bisections = _rows("queue.bisected", since, payload={"repository": repository.name})
    merges = _rows("intent.merged", since, **scoped)
    blocks = _rows(BLOCK_EVENTS, since, **scoped)
    named = {intent_id for _, intent_id, _ in (*merges, *blocks) if intent_id}
    # the intents of this repository among those named, with their targets
    target_by_intent = dict(
        Intent.objects.filter(repository=repository, pk__in=named).values_list("id", "target")
    )
    merged_ids = [intent_id for _, intent_id, _ in merges if intent_id in target_by_intent]
    first_validated: dict[str, datetime] = {}
    if merged_ids:
        validated = event_feed(
            event_type="intent.validated", intent_ids=merged_ids, oldest_first=True
        ).values_list("intent_id", "timestamp")[:SAMPLE]
        for intent_id, when in validated:
            first_validated.setdefault(str(intent_id), when)
    targets: dict[str, dict[str, Any]] = {}

    def target_of(name: str) -> dict[str, Any]:
        return targets.setdefault(
            name,
            {
                "merges": 0,
                "blocks": {"total": 0, "by_gate": Counter(), "by_reason": Counter()},
                "tests": [],
                "bisections": {"runs": 0, "trees_tested": 0, "failing_found": 0},
                "waits": [],
            },
        )

    for when, intent_id, _ in merges:
        if intent_id not in target_by_intent:
            continue  # another repository's intent
        entry = target_of(target_by_intent[intent_id])
        entry["merges"] += 1
        start = first_validated.get(intent_id)
        if start is not None:
            entry["waits"].append((when - start).total_seconds())
    for _, intent_id, payload in blocks:
        if intent_id not in target_by_intent:
            continue  # another repository's intent
        reason = payload.get("reason") or payload.get("error")
        entry = target_of(target_by_intent[intent_id])
        entry["blocks"]["total"] += 1
        entry["blocks"]["by_gate"][block_gate(reason)] += 1
        entry["blocks"]["by_reason"][reason_headline(reason)] += 1
    for _, _, payload in tests:
        target_of(str(payload.get("target")))["tests"].append(payload)
    for _, _, payload in bisections:
        runs = target_of(str(payload.get("target")))["bisections"]
        runs["runs"] += 1
        runs["trees_tested"] += int(payload.get("trees_tested") or 0)
        runs["failing_found"] += len(payload.get("bad") or ())
    shown = {name: _finish(entry) for name, entry in sorted(targets.items())}
    return {
        "repository": repository.name,
        "since": format_timestamp(since),
        "until": format_timestamp(now),
        "targets": shown,
        "truncated": any(len(rows) >= SAMPLE for rows in (tests, bisections, merges, blocks)),
    }


def _finish(entry: dict[str, Any]) -> dict[str, Any]:
    tests = entry.pop("tests")
    checks = check_figures(check for test in tests for check in test.get("checks") or ())
    blocks = entry["blocks"]
    return {
        "merges": entry["merges"],
        "blocks": {
            "total": blocks["total"],
            "by_gate": dict(blocks["by_gate"].most_common()),
            "by_reason": dict(blocks["by_reason"].most_common(20)),
        },
        "batches": batch_figures(tests),
        "tree_tests": len(tests),
        "check_runs": sum(c["attempts"] for c in checks.values()),
        "bisections": entry["bisections"],
        "checks": checks,
        "flaky_checks": sorted(name for name, c in checks.items() if c["flaky"]),
        "time_in_queue_seconds": spread(entry.pop("waits")),
    }
