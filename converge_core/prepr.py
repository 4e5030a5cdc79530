"""The pre-PR evaluation's pure parts (operations §7): the description-quality signal, the
score and whether a draft passes.

Similarity is the other signal: the highest cosine similarity of the draft to an active
intent of the same tenant, repository and target (from the semantic index); it enters the
score as ``1 - max_similarity``, so a near-duplicate pulls the score down. Quality accepts
``description`` or ``problem_statement``/``objective`` as the description, and
``semantic.scope``/``affected_areas`` or ``technical.scope_hint`` as the scope (§7 note 2).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

MODES: tuple[str, ...] = ("shadow", "enforce")
PASS_SCORE = 0.5
SIMILARITY_THRESHOLD = 0.80  # a recommendation to look at the similar intent first
SIMILAR_LISTED = 0.5  # similar intents above this are listed
MAX_SIMILAR_SHOWN = 5
RULES: tuple[str, ...] = ("semantic_similarity", "description_quality")
MIN_DESCRIPTION = 10


def _described(semantic: Mapping[str, Any]) -> bool:
    texts = [semantic.get(key) for key in ("description", "problem_statement", "objective")]
    return any(isinstance(text, str) and len(text.strip()) > MIN_DESCRIPTION for text in texts)


def _scoped(semantic: Mapping[str, Any], technical: Mapping[str, Any]) -> bool:
    return any(
        bool(value)
        for value in (
            semantic.get("scope"),
            semantic.get("affected_areas"),
            technical.get("scope_hint"),
        )
    )


def description_quality(
    *, semantic: Mapping[str, Any], technical: Mapping[str, Any], source: str, target: str
) -> tuple[float, list[str]]:
    """The quality signal (3 dp) and a suggestion for each part that is missing."""
    parts, suggestions = [], []
    if _described(semantic):
        parts.append(1.0)
    else:
        parts.append(0.0)
        suggestions.append(
            "Describe the change: semantic.problem_statement and semantic.objective "
            f"(or semantic.description), more than {MIN_DESCRIPTION} characters"
        )
    if _scoped(semantic, technical):
        parts.append(1.0)
    else:
        parts.append(0.3)
        suggestions.append("Name the scope: technical.scope_hint (or semantic.scope)")
    if source and target:
        parts.append(1.0)
    else:
        parts.append(0.0)
        suggestions.append("Give both the source and the target branch")
    return round(sum(parts) / len(parts), 3), suggestions


def draft_score(signals: Mapping[str, float]) -> float:
    """Mean over the signals present, similarity counted as ``1 - max_similarity``; none: 1."""
    values = []
    if "max_similarity" in signals:
        values.append(1.0 - signals["max_similarity"])
    if "description_quality" in signals:
        values.append(signals["description_quality"])
    return round(sum(values) / len(values), 3) if values else 1.0


def draft_passed(score: float, mode: str) -> bool:
    """Shadow always passes; enforce refuses a score below 0.5."""
    return mode != "enforce" or score >= PASS_SCORE


def recommendations(
    *,
    similar: Sequence[Mapping[str, Any]],
    max_similarity: float,
    quality: float,
    suggestions: Sequence[str],
) -> list[str]:
    found = []
    if max_similarity > SIMILARITY_THRESHOLD and similar:
        top = similar[0]
        found.append(
            f"Very similar intent found ({top['intent_id']}, similarity "
            f"{top['similarity']:.3f}): review existing intents before creating a new one"
        )
    if quality < PASS_SCORE:
        found.extend(suggestions)
    return found
