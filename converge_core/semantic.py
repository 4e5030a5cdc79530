"""Semantic texts, the deterministic embedding, vector storage and conflict scoring.

Pure functions (numpy, no Django) behind the ``semantic`` app (operations §5):

- the **canonical text** of an intent (its checksum says when a stored vector is stale) and the
  **semantic text** the deterministic provider embeds; the **prose** (problem statement,
  objective, title, description, scope) the language model embeds, because branch names and
  risk labels carry no meaning and would pull every pair of intents towards each other;
- the deterministic hash-expanded vector (identical text → cosine 1.0, otherwise ≈ 0);
- float32 vector bytes;
- the conflict scan: normalised vectors of one repository stacked into a matrix and multiplied
  block by block (``CANDIDATE_BLOCK`` rows at a time, so memory stays flat), never a Python
  double loop; the score of each candidate pair
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

import numpy as np
import numpy.typing as npt

Vector = npt.NDArray[np.float32]

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


def deterministic_vector(text: str, dimension: int = DETERMINISTIC_DIMENSION) -> Vector:
    """The spec's hash-expanded unit vector of ``text`` (operations §5.2)."""
    chunks = []
    size = 0
    counter = 0
    while size < 4 * dimension:
        chunk = hashlib.sha256(f"{text}:{counter}".encode()).digest()
        chunks.append(chunk)
        size += len(chunk)
        counter += 1
    words = np.frombuffer(b"".join(chunks)[: 4 * dimension], dtype=">u4").astype(np.float64)
    vector = words / 2.0**32 * 2.0 - 1.0
    norm = float(np.linalg.norm(vector))
    if norm > 0:
        vector = vector / norm
    return vector.astype(np.float32)


def vector_bytes(vector: npt.ArrayLike) -> bytes:
    return np.asarray(vector, dtype="<f4").tobytes()


def vector_from_bytes(data: bytes) -> Vector:
    return np.frombuffer(data, dtype="<f4").astype(np.float32)


def normalised(matrix: npt.NDArray[Any]) -> Vector:
    """Rows scaled to unit length; zero rows stay zero (their cosine with anything is 0)."""
    matrix = np.asarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return np.divide(matrix, norms, out=np.zeros_like(matrix), where=norms > 0)


def thresholds(model: str, similarity: float | None, conflict: float | None) -> tuple[float, float]:
    """The effective thresholds: given values, else the defaults of the model's kind."""
    deterministic = model.startswith("deterministic")
    if similarity is None:
        similarity = DETERMINISTIC_SIMILARITY_THRESHOLD if deterministic else SIMILARITY_THRESHOLD
    if conflict is None:
        conflict = DETERMINISTIC_CONFLICT_THRESHOLD if deterministic else CONFLICT_THRESHOLD
    return similarity, conflict


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


def candidate_pairs(
    vectors: npt.NDArray[Any],
    similarity_threshold: float,
    *,
    skip: npt.NDArray[np.int64] | None = None,
    block: int = CANDIDATE_BLOCK,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.float32]]:
    """Index pairs ``i < j`` whose cosine is at least the threshold, and the cosines.

    One normalised matrix product per block of rows against the rows after it. ``skip``:
    a group code per row (−1 for none); pairs sharing a code ≥ 0 are left out (two intents
    of one plan are the planner's business).
    """
    unit = normalised(vectors)
    count = unit.shape[0]
    rows: list[npt.NDArray[np.int64]] = []
    cols: list[npt.NDArray[np.int64]] = []
    sims: list[npt.NDArray[np.float32]] = []
    for start in range(0, max(count - 1, 0), block):
        stop = min(start + block, count)
        # Columns from start on: the upper triangle of this block and everything to its right.
        product = unit[start:stop] @ unit[start:].T
        local_rows = np.arange(stop - start)[:, None]
        mask = (np.arange(count - start)[None, :] > local_rows) & (
            product >= np.float32(similarity_threshold)
        )
        i, j = np.nonzero(mask)
        values = product[i, j]
        i = i + start
        j = j + start
        if skip is not None:
            keep = ~((skip[i] >= 0) & (skip[i] == skip[j]))
            i, j, values = i[keep], j[keep], values[keep]
        rows.append(i.astype(np.int64))
        cols.append(j.astype(np.int64))
        sims.append(np.clip(values, -1.0, 1.0).astype(np.float32))
    if not rows:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty.copy(), np.empty(0, dtype=np.float32)
    return np.concatenate(rows), np.concatenate(cols), np.concatenate(sims)


def find_conflicts(
    items: Sequence[ScanItem],
    vectors: npt.NDArray[Any],
    *,
    similarity_threshold: float,
    conflict_threshold: float,
) -> tuple[list[FoundConflict], int]:
    """The conflicts among one repository's in-flight intents (rows of ``vectors`` in the
    order of ``items``), by similarity descending, and the number of pairs compared."""
    count = len(items)
    if count < 2:
        return [], 0
    plans: dict[str, int] = {}
    skip = np.array(
        [plans.setdefault(item.plan_id, len(plans)) if item.plan_id else -1 for item in items],
        dtype=np.int64,
    )
    rows, cols, sims = candidate_pairs(vectors, similarity_threshold, skip=skip)
    order = np.argsort(-sims, kind="stable")
    found = []
    for index in order:
        a, b = items[int(rows[index])], items[int(cols[index])]
        similarity = round(float(sims[index]), 4)
        target_overlap = 1.0 if a.target == b.target else 0.0
        scope_overlap = round(jaccard(a.scope, b.scope), 4)
        score = conflict_score(similarity, target_overlap, scope_overlap)
        if score < conflict_threshold:
            continue
        first, second = (a, b) if a.intent_id < b.intent_id else (b, a)
        younger = a if (a.created_at, a.intent_id) > (b.created_at, b.intent_id) else b
        found.append(
            FoundConflict(
                intent_a=first.intent_id,
                intent_b=second.intent_id,
                score=score,
                similarity=similarity,
                target_overlap=target_overlap,
                scope_overlap=scope_overlap,
                target=first.target,
                younger=younger.intent_id,
            )
        )
    return found, count * (count - 1) // 2
