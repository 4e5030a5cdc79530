"""Rebuilding the intents table from the event log (``audit rebuild-intents``).

Replay starts from the final rows kept by prune checkpoints and applies every state event in
log order; ``--check`` compares the result with the table, otherwise differences are rewritten.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction

from converge_core.progress import SILENT, Progress
from intents.models import Intent, Repository
from intents.serialization import INTENT_FIELDS, intent_serialize
from ledger.models import Event
from ledger.selectors import checkpoint_intent_rows, intent_event_count, intent_events_in_order

_CHUNK = 2000


def _apply(state: dict[str, dict[str, Any]], event: Event) -> None:
    payload = event.payload
    if event.intent_id is None:
        return
    if event.event_type == "intent.created":
        state[event.intent_id] = dict(payload)
        return
    row = state.get(event.intent_id)
    if row is None:
        return
    if event.event_type == "intent.updated":
        for field, change in payload.get("changes", {}).items():
            row[field] = change["to"]
    elif event.event_type == "intent.status_changed":
        row["status"] = payload["to"]
    elif event.event_type == "queue.reset":
        row["status"], row["retries"] = payload["new_status"], 0
    elif event.event_type == "risk.level_reclassified":
        if payload.get("persisted"):
            row["risk_level"] = payload["new"]
    else:
        if "status" in payload:
            row["status"] = payload["status"]
        if "retries" in payload:
            row["retries"] = payload["retries"]


STATE_EVENTS = (
    "intent.created",
    "intent.updated",
    "intent.status_changed",
    "queue.reset",
    "risk.level_reclassified",
    "intent.validated",
    "intent.requeued",
    "intent.rejected",
    "intent.merged",
    "intent.merge_failed",
    "merge_group.destroyed",
)


def intents_replay(progress: Progress = SILENT) -> dict[str, dict[str, Any]]:
    """The intents as the log (from the prune checkpoints on) describes them."""
    state: dict[str, dict[str, Any]] = dict(checkpoint_intent_rows())
    progress.start("Replaying the event log", intent_event_count(STATE_EVENTS))
    for event in intent_events_in_order(STATE_EVENTS):
        _apply(state, event)
        progress.advance()
    return state


def intents_rebuild(*, check: bool, progress: Progress = SILENT) -> dict[str, Any]:
    """Compare (``check``) or overwrite the intents table with the replayed log."""
    replayed = intents_replay(progress)
    live = {
        intent.id: intent_serialize(intent)
        for intent in Intent.objects.select_related("repository").iterator(chunk_size=_CHUNK)
    }
    differences: list[dict[str, Any]] = []
    for intent_id in sorted(set(replayed) | set(live)):
        expected, actual = replayed.get(intent_id), live.get(intent_id)
        if expected is None or actual is None:
            missing_from = "log" if expected is None else "table"
            differences.append({"intent_id": intent_id, "missing_from": missing_from})
            continue
        fields = [f for f in INTENT_FIELDS if expected.get(f) != actual.get(f)]
        if fields:
            differences.append(
                {
                    "intent_id": intent_id,
                    "fields": {f: {"log": expected.get(f), "table": actual.get(f)} for f in fields},
                }
            )
    result: dict[str, Any] = {
        "intents": len(replayed),
        "matches": not differences,
        "differences": differences[:50],
        "difference_count": len(differences),
        "check": check,
    }
    if not check and differences:
        result["rewritten"] = _rewrite(replayed, differences)
    return result


def _rewrite(replayed: dict[str, dict[str, Any]], differences: list[dict[str, Any]]) -> int:
    repositories = {repo.name: repo for repo in Repository.objects.all()}
    rewritten = 0
    with transaction.atomic():
        for difference in differences:
            row = replayed.get(difference["intent_id"])
            if row is None or row.get("repository") not in repositories:
                continue
            values = {
                key: row[key]
                for key in INTENT_FIELDS
                if key not in {"id", "repository", "created_at"} and key in row
            }
            Intent.objects.update_or_create(
                pk=row["id"],
                defaults={
                    **values,
                    "repository": repositories[row["repository"]],
                    "created_at": datetime.fromisoformat(row["created_at"]),
                },
            )
            rewritten += 1
    return rewritten
