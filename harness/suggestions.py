"""Suggestions of new coherence questions from recorded failures (operations §6.6, flag
``coherence_feedback``), and accepting one into the harness file.

Failures are the ``intent.rejected`` and ``intent.merge_failed`` events and the failing
``coherence.evaluated`` ones of the lookback window (at most 500 of each). Each is joined
with its intent's last ``simulation.completed`` (the files it changes) and the intent's
risk level (note 6), so modules are the files' top-level folders, not branch prefixes.

- ``module_failure_pattern``: the three modules with the most failures, at least 3 each;
- ``file_count_regression``: at least 3 merge failures of changes touching more than 15
  files suggest bounding the change's size (built-in ``files_changed`` check).

The reference's risk-band question (``echo N``, ``result >= 0``) always passes and is left
out (note 8). A suggestion's id derives from its question's id (note 7); it is recorded as a
``coherence.suggestion`` event when it is new or its counts changed, never twice alike.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from converge_core.errors import NotFound
from flags.selectors import flag_is_enabled
from harness.coherence import harness_document, harness_write
from harness.models import CoherenceSuggestion, SuggestionStatus
from ledger.append import event_append
from ledger.selectors import event_feed, latest_payloads

EVENT_LIMIT = 500
MODULE_MIN, MODULES_SHOWN = 3, 3
WIDE_CHANGE, WIDE_FAILURES_MIN = 15, 3
ACCEPTED_FILE_VERSION = "1.0.0"


def suggestion_id(question_id: str) -> str:
    return "sug-" + hashlib.sha256(question_id.encode()).hexdigest()[:12]


def _failures(since: Any) -> list[tuple[str, str]]:
    """``(event_type, intent_id)`` of each failure in the window, newest first."""
    failures: list[tuple[str, str]] = []
    for event_type in ("intent.rejected", "intent.merge_failed"):
        rows = event_feed(event_type=event_type, since=since, with_intent=True)
        failures += [
            (event_type, str(i)) for i in rows.values_list("intent_id", flat=True)[:EVENT_LIMIT]
        ]
    failing = event_feed(
        event_type="coherence.evaluated", since=since, with_intent=True, payload={"verdict": "fail"}
    )
    failures += [
        ("coherence.evaluated", str(i))
        for i in failing.values_list("intent_id", flat=True)[:EVENT_LIMIT]
    ]
    return failures


def _module_question(module: str) -> dict[str, Any]:
    return {
        "id": f"q-module-{module}",
        "question": f"Are changes to {module}/ properly tested?",
        "check": f"find {module} -type f -name 'test_*.py' | wc -l",
        "assertion": "result >= baseline",
        "severity": "high",
        "category": "structural",
        "enabled": True,
    }


FILE_COUNT_QUESTION = {
    "id": "q-file-count-guard",
    "question": "Is the change scope within safe limits?",
    "check": "builtin:files_changed",
    "assertion": "result <= 20",
    "severity": "high",
    "category": "structural",
    "enabled": True,
}


def _detect(failures: list[tuple[str, str]]) -> list[dict[str, Any]]:
    files = {
        intent_id: list(payload.get("files_changed") or [])
        for intent_id, payload in latest_payloads(
            intent_ids={intent_id for _, intent_id in failures},
            event_type="simulation.completed",
        ).items()
    }
    modules: Counter[str] = Counter()
    wide = 0
    for event_type, intent_id in failures:
        changed = files.get(intent_id, [])
        for module in sorted({path.split("/", 1)[0] for path in changed if "/" in path}):
            modules[module] += 1
        if event_type == "intent.merge_failed" and len(changed) > WIDE_CHANGE:
            wide += 1
    found = [
        {
            "type": "module_failure_pattern",
            "counts": {"module": module, "failures": count},
            "suggested_question": _module_question(module),
        }
        for module, count in modules.most_common(MODULES_SHOWN)
        if count >= MODULE_MIN
    ]
    if wide >= WIDE_FAILURES_MIN:
        found.append(
            {
                "type": "file_count_regression",
                "counts": {"merge_failures": wide, "files_over": WIDE_CHANGE},
                "suggested_question": dict(FILE_COUNT_QUESTION),
            }
        )
    return found


def _serialize(row: CoherenceSuggestion) -> dict[str, Any]:
    return {
        "suggestion_id": row.id,
        "type": row.type,
        **row.counts,
        "suggested_question": row.question,
        "status": row.status,
    }


def coherence_suggest(*, lookback_days: int = 90, actor: str = "system") -> dict[str, Any]:
    if not flag_is_enabled("coherence_feedback"):
        return {"status": "disabled", "message": "coherence_feedback flag is disabled"}
    since = timezone.now() - timedelta(days=lookback_days)
    suggestions, emitted = [], 0
    with transaction.atomic():
        for found in _detect(_failures(since)):
            question = found["suggested_question"]
            sid = suggestion_id(question["id"])
            row = CoherenceSuggestion.objects.filter(pk=sid).first()
            if row is None:
                row = CoherenceSuggestion(id=sid, type=found["type"], question=question)
            changed = row._state.adding or row.counts != found["counts"]
            if changed:
                row.counts = found["counts"]
                row.updated_at = timezone.now()
                row.save()
                event_append(
                    event_type="coherence.suggestion",
                    payload={
                        "suggestion_id": sid,
                        "type": row.type,
                        **row.counts,
                        "suggested_question": question,
                    },
                    agent_id=actor,
                )
                emitted += 1
            suggestions.append(_serialize(row))
    return {"suggestions": suggestions, "emitted": emitted}


def coherence_accept(*, suggestion_id: str, actor: str = "system") -> dict[str, Any]:
    """Add the suggested question to the harness file (unless its id is already there)."""
    row = CoherenceSuggestion.objects.filter(pk=suggestion_id).first()
    if row is None:
        raise NotFound(f"Suggestion not found: {suggestion_id}", suggestion_id=suggestion_id)
    document = harness_document() or {"version": ACCEPTED_FILE_VERSION, "questions": []}
    questions = list(document.get("questions") or [])
    if not any(entry.get("id") == row.question["id"] for entry in questions):
        harness_write({**document, "questions": [*questions, row.question]})
    with transaction.atomic():
        if row.status != SuggestionStatus.ACCEPTED:
            row.status = SuggestionStatus.ACCEPTED
            row.accepted_at = timezone.now()
            row.accepted_by = actor
            row.save(update_fields=["status", "accepted_at", "accepted_by"])
            event_append(
                event_type="coherence.suggestion_accepted",
                payload={"suggestion_id": row.id, "question_id": row.question["id"]},
                agent_id=actor,
            )
    return {"status": "accepted", "suggestion": _serialize(row)}
