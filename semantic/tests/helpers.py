"""Stored vectors chosen by the test, so that similarities are known without a model."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from converge_core.semantic import vector_bytes
from intents.models import Intent
from semantic.models import Embedding
from semantic.providers import DETERMINISTIC
from semantic.texts import intent_texts

MODEL = "deterministic-v1"


def store(intent: Intent, vector: Sequence[float], *, model: str = MODEL) -> Embedding:
    """Store ``vector`` (padded to 64 dimensions) as the intent's vector of ``model``."""
    from converge_core.semantic import canonical_text, checksum

    padded = np.zeros(64, dtype=np.float32)
    padded[: len(vector)] = vector
    text = intent_texts([intent])[intent.pk]
    return Embedding.objects.create(
        intent=intent,
        tenant_id=intent.tenant_id,
        provider=DETERMINISTIC,
        model=model,
        dimension=64,
        vector=vector_bytes(padded),
        checksum=checksum(canonical_text(text)),
    )
