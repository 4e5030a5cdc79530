"""The doctor's semantic line: which model, how much of the queue it covers, and a warning
when the model changed and nothing was reindexed yet."""

from __future__ import annotations

import pytest

from intents.tests.factories import IntentFactory
from semantic.doctor import check_semantic_index
from semantic.tests.helpers import store

pytestmark = pytest.mark.django_db


def test_coverage_of_the_active_model(monkeypatch) -> None:
    indexed = IntentFactory()
    IntentFactory()
    store(indexed, [1.0])

    check = check_semantic_index()
    assert (check.status, check.detail) == (
        "pass",
        "deterministic-v1: 1 of 2 in-flight intents indexed",
    )

    monkeypatch.setenv("CONVERGE_FF_SEMANTIC_EMBEDDINGS_MODEL_MODE", "sentence-transformers")
    changed = check_semantic_index()
    assert changed.status == "warn"
    assert "reindex" in changed.hint
