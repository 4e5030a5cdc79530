"""Semantic texts, thresholds and conflict scoring; the vectors are in ``semantic_vectors``.

Pure functions (no numpy, no Django: enumerations and texts are read by every command)
behind the ``semantic`` app (operations §5):

- the **canonical text** of an intent (its checksum says when a stored vector is stale) and the
  **semantic text** the deterministic provider embeds; the **prose** (problem statement,
  objective, title, description, scope) the language model embeds, because branch names and
  risk labels carry no meaning and would pull every pair of intents towards each other;
- the score of each candidate pair
  ``0.6·similarity + 0.2·target_overlap + 0.2·scope_overlap`` (decisions §19: pairs are
  compared across the targets of one repository, so ``target_overlap`` is 1 or 0 and the
  conflict threshold does filter).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

DETERMINISTIC_MODEL = "deterministic-v1"
DETERMINISTIC_DIMENSION = 64
SIMILARITY_THRESHOLD = 0.70
CONFLICT_THRESHOLD = 0.60
# Exact-duplicate detection needs stricter defaults (operations §5.4, applied when omitted).
DETERMINISTIC_SIMILARITY_THRESHOLD = 0.95
DETERMINISTIC_CONFLICT_THRESHOLD = 0.80
SIMILARITY_WEIGHT = 0.6
TARGET_WEIGHT = 0.2
SCOPE_WEIGHT = 0.2
# Rows of the similarity matrix computed at once: 1,024 × 10,000 float32 is 40 MB.
CANDIDATE_BLOCK = 1024
# The most similar pairs a scan of one repository considers: a very low threshold must not
# turn a scan of 10,000 intents into 50 million candidates.
MAX_CANDIDATES = 10_000
# The runbook's "Escalate if": more than 5 conflicts unresolved for over 24 hours.
ESCALATE_COUNT = 5
ESCALATE_HOURS = 24
# The semantic keys a language model reads, in this order (other keys are labels, not prose).
PROSE_KEYS = ("title", "problem_statement", "objective", "description", "summary")


class ConflictStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"
    ACKNOWLEDGED = "acknowledged"


class ConflictMode(StrEnum):
    SHADOW = "shadow"
    ENFORCE = "enforce"


def _value(value: Any) -> str:
    """A semantic value as text: strings as they are, anything else as canonical JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


@dataclass(frozen=True)
class IntentText:
    """What the texts of an intent are built from."""

    intent_id: str
    source: str
    target: str
    risk_level: str
    plan_id: str | None
    semantic: Mapping[str, Any]
    scope: Sequence[str]
    dependencies: Sequence[str]
    links: Sequence[tuple[str, str]]  # (sha, role)


def _body(text: IntentText) -> list[str]:
    lines = [f"source:{text.source}", f"target:{text.target}", f"risk:{text.risk_level}"]
    lines += [
        f"semantic.{key}:{_value(text.semantic[key])}"
        for key in sorted(text.semantic)
        if text.semantic[key]
    ]
    lines += [f"scope:{item}" for item in sorted(str(s) for s in text.scope)]
    lines += [f"dep:{item}" for item in sorted(str(d) for d in text.dependencies)]
    lines += [f"link:{sha}:{role}" for sha, role in sorted(text.links)]
    return lines


def canonical_text(text: IntentText) -> str:
    """The canonical text (operations §5.1): identity lines, then the body, empty items left
    out. Coupling is never embedded, so it is not part of it either."""
    head = [f"intent:{text.intent_id}"]
    body = _body(text)
    plan = [f"plan:{text.plan_id}"] if text.plan_id else []
    return "\n".join([*head, *body[:3], *plan, *body[3:]])


def semantic_text(text: IntentText) -> str:
    """The deterministic provider's text: the body without the identity lines."""
    return "\n".join(_body(text))


def prose_text(semantic: Mapping[str, Any], scope: Iterable[str] = ()) -> str:
    """The language model's text: the prose fields of ``semantic`` (other truthy keys after
    them, sorted) and the scope, one per line."""
    keys = [key for key in PROSE_KEYS if semantic.get(key)]
    keys += sorted(key for key in semantic if key not in PROSE_KEYS and semantic[key])
    lines = [_value(semantic[key]) for key in keys]
    scope_items = sorted(str(s) for s in scope)
    if scope_items:
        lines.append("scope: " + ", ".join(scope_items))
    return "\n".join(lines)


def checksum(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def thresholds(model: str, similarity: float | None, conflict: float | None) -> tuple[float, float]:
    """The effective thresholds: given values, else the defaults of the model's kind."""
    deterministic = model.startswith("deterministic")
    if similarity is None:
        similarity = DETERMINISTIC_SIMILARITY_THRESHOLD if deterministic else SIMILARITY_THRESHOLD
    if conflict is None:
        conflict = DETERMINISTIC_CONFLICT_THRESHOLD if deterministic else CONFLICT_THRESHOLD
    return similarity, conflict


def escalation_alert(overdue: int) -> dict[str, Any] | None:
    """The compliance alert of ``overdue`` conflicts open for over 24 hours, if it is due."""
    if overdue <= ESCALATE_COUNT:
        return None
    return {
        "alert": "Semantic conflicts unresolved",
        "name": "semantic_conflicts_overdue",
        "value": overdue,
        "threshold": ESCALATE_COUNT,
        "op": "<=",
        "passed": False,
        "detail": f"{overdue} semantic conflicts open for more than {ESCALATE_HOURS} h",
    }


def jaccard(a: Iterable[str], b: Iterable[str]) -> float:
    set_a, set_b = set(a), set(b)
    union = set_a | set_b
    return len(set_a & set_b) / len(union) if union else 0.0


def conflict_score(similarity: float, target_overlap: float, scope_overlap: float) -> float:
    return round(
        SIMILARITY_WEIGHT * similarity
        + TARGET_WEIGHT * target_overlap
        + SCOPE_WEIGHT * scope_overlap,
        4,
    )


@dataclass(frozen=True)
class ScanItem:
    """One in-flight intent of a repository, as the scan compares it."""

    intent_id: str
    target: str
    plan_id: str | None
    scope: frozenset[str]
    created_at: float  # POSIX seconds: the younger of a pair is the one enforce holds


@dataclass(frozen=True)
class FoundConflict:
    intent_a: str  # intent_a < intent_b
    intent_b: str
    score: float
    similarity: float
    target_overlap: float
    scope_overlap: float
    target: str  # the target of intent_a (of both when they share it)
    younger: str
