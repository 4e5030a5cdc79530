"""Semantic vectors (numpy, no Django), imported only by what embeds or scans.

- the deterministic hash-expanded vector (identical text → cosine 1.0, otherwise ≈ 0);
- float32 vector bytes;
- the conflict scan: normalised vectors of one repository stacked into a matrix and multiplied
  block by block (``CANDIDATE_BLOCK`` rows at a time, so memory stays flat), never a Python
  double loop, each candidate pair scored by ``converge_core.semantic.conflict_score``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from converge_core.semantic import (
    CANDIDATE_BLOCK,
    DETERMINISTIC_DIMENSION,
    MAX_CANDIDATES,
    FoundConflict,
    ScanItem,
    conflict_score,
    jaccard,
)

Vector = npt.NDArray[np.float32]


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


def candidate_pairs(
    vectors: npt.NDArray[Any],
    similarity_threshold: float,
    *,
    skip: npt.NDArray[np.int64] | None = None,
    block: int = CANDIDATE_BLOCK,
    limit: int = MAX_CANDIDATES,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.float32]]:
    """Index pairs ``i < j`` whose cosine is at least the threshold, and the cosines.

    One normalised matrix product per block of rows against the rows after it. ``skip``:
    a group code per row (−1 for none); pairs sharing a code ≥ 0 are left out (two intents
    of one plan are the planner's business). At most ``limit`` pairs, the most similar.
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
        i, j = np.nonzero(product >= np.float32(similarity_threshold))
        upper = j > i  # the block's own lower triangle and diagonal are not pairs
        i, j = i[upper], j[upper]
        values = product[i, j]
        i = i + start
        j = j + start
        if skip is not None:
            keep = ~((skip[i] >= 0) & (skip[i] == skip[j]))
            i, j, values = i[keep], j[keep], values[keep]
        if values.shape[0] > limit:
            top = np.argpartition(-values, limit - 1)[:limit]
            i, j, values = i[top], j[top], values[top]
        rows.append(i.astype(np.int64))
        cols.append(j.astype(np.int64))
        sims.append(np.clip(values, -1.0, 1.0).astype(np.float32))
    if not rows:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty.copy(), np.empty(0, dtype=np.float32)
    i, j, values = np.concatenate(rows), np.concatenate(cols), np.concatenate(sims)
    if values.shape[0] > limit:
        top = np.argpartition(-values, limit - 1)[:limit]
        i, j, values = i[top], j[top], values[top]
    return i, j, values


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
