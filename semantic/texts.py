"""The texts of stored intents (operations §5.1) and of drafts not stored yet."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from converge_core.semantic import IntentText
from intents.models import CommitLink, Intent


def _scope(technical: Mapping[str, Any]) -> list[str]:
    hint = technical.get("scope_hint") if isinstance(technical, Mapping) else None
    if isinstance(hint, str):
        return [hint]
    if isinstance(hint, list):
        return [str(item) for item in hint]
    return []


def intent_scope(intent: Intent) -> list[str]:
    return _scope(intent.technical or {})


def intent_texts(intents: Iterable[Intent]) -> dict[str, IntentText]:
    """Intent id → what its texts are built from, with its commit links (one query)."""
    intents = list(intents)
    links: dict[str, list[tuple[str, str]]] = defaultdict(list)
    rows = CommitLink.objects.filter(intent_id__in=[i.pk for i in intents]).values_list(
        "intent_id", "sha", "role"
    )
    for intent_id, sha, role in rows:
        links[intent_id].append((sha, role))
    return {
        intent.pk: IntentText(
            intent_id=intent.pk,
            source=intent.source,
            target=intent.target,
            risk_level=intent.risk_level,
            plan_id=intent.plan_id,
            semantic=intent.semantic if isinstance(intent.semantic, Mapping) else {},
            scope=intent_scope(intent),
            dependencies=[str(d) for d in intent.dependencies or []],
            links=sorted(set(links[intent.pk])),
        )
        for intent in intents
    }


def draft_text(
    *,
    semantic: Mapping[str, Any],
    technical: Mapping[str, Any] | None = None,
    source: str = "",
    target: str = "main",
    risk_level: str = "medium",
    dependencies: Iterable[str] = (),
) -> IntentText:
    """The text parts of an intent that is not stored yet (a draft being evaluated)."""
    return IntentText(
        intent_id="",
        source=source,
        target=target,
        risk_level=risk_level,
        plan_id=None,
        semantic=semantic,
        scope=_scope(technical or {}),
        dependencies=[str(d) for d in dependencies],
        links=[],
    )
