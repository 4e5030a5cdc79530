"""Similar in-flight intents of a text, from the semantic index (a stable public API).

Other apps (the pre-PR evaluation harness among them) ask here which in-flight intents a draft
resembles. Both functions embed through the active provider (the ``semantic_embeddings_model``
flag); the language model is loaded on the first call only. A stored vector of another model
is never compared: only embeddings of the active provider's model count, so after a model
change the answers come back as ``semantic reindex`` proceeds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from converge_core.semantic import Vector, normalised, vector_from_bytes
from converge_core.states import ACTIVE
from semantic.models import Embedding
from semantic.providers import provider_get
from semantic.texts import draft_text


@dataclass(frozen=True)
class SimilarIntent:
    """An in-flight intent like the text asked about: cosine similarity clipped to 0..1."""

    intent_id: str
    similarity: float
    objective: str
    title: str


def embed_text(text: str) -> Vector:
    """The vector of ``text`` under the active provider (float32, one dimension)."""
    return provider_get().embed([text])[0]


def index_text(
    *,
    semantic: Mapping[str, Any],
    technical: Mapping[str, Any] | None = None,
    source: str = "",
    target: str = "main",
    risk_level: str = "medium",
) -> str:
    """The text the active provider would embed for a draft intent with these fields: passing
    it to :func:`similar_intents` compares the draft the way the index compares intents."""
    draft = draft_text(
        semantic=semantic, technical=technical, source=source, target=target, risk_level=risk_level
    )
    return provider_get().text_of(draft)


def similar_intents(
    *,
    text: str,
    tenant_id: str | None,
    repository_id: Any,
    target: str,
    exclude_intent_id: str | None = None,
    limit: int = 5,
) -> list[SimilarIntent]:
    """The ``limit`` in-flight intents (READY/VALIDATED/QUEUED) of the repository and target
    most similar to ``text``, most similar first; intents without a vector of the active model
    are not considered. ``tenant_id`` None: every tenant."""
    provider = provider_get()
    rows = Embedding.objects.filter(
        model=provider.model,
        intent__repository_id=repository_id,
        intent__target=target,
        intent__status__in=list(ACTIVE),
    )
    if tenant_id is not None:
        rows = rows.filter(intent__tenant_id=tenant_id)
    if exclude_intent_id is not None:
        rows = rows.exclude(intent_id=exclude_intent_id)
    found = list(rows.values_list("intent_id", "vector", "intent__semantic"))
    if not found or limit <= 0:
        return []
    matrix = np.stack([vector_from_bytes(bytes(vector)) for _, vector, _ in found])
    query = normalised(provider.embed([text]))[0]
    if matrix.shape[1] != query.shape[0]:
        return []
    scores = np.clip(normalised(matrix) @ query, 0.0, 1.0)
    order = np.argsort(-scores, kind="stable")[:limit]
    result = []
    for index in order:
        intent_id, _, semantic = found[int(index)]
        semantic = semantic if isinstance(semantic, Mapping) else {}
        result.append(
            SimilarIntent(
                intent_id=intent_id,
                similarity=round(float(scores[index]), 4),
                objective=str(semantic.get("objective") or semantic.get("problem_statement") or ""),
                title=str(semantic.get("title") or ""),
            )
        )
    return result
