"""similar_intents: in-flight intents of the same tenant, repository and target, from the
stored vectors of the active provider's model."""

from __future__ import annotations

import numpy as np
import pytest

from intents.tests.factories import IntentFactory, RepositoryFactory
from semantic.index import index_one
from semantic.similarity import SimilarIntent, embed_text, index_text, similar_intents

pytestmark = pytest.mark.django_db

SEMANTIC = {"problem_statement": "Tokens never rotate", "objective": "Rotate refresh tokens"}


def test_an_identical_draft_finds_the_in_flight_intent_and_nothing_else() -> None:
    repo = RepositoryFactory()
    twin = IntentFactory(repository=repo, source="feature/a", semantic=SEMANTIC, tenant_id="t1")
    other = IntentFactory(repository=repo, semantic={"objective": "Speed up CSV export"})
    merged = IntentFactory(repository=repo, source="feature/a", semantic=SEMANTIC, status="MERGED")
    elsewhere = IntentFactory(repository=repo, source="feature/a", semantic=SEMANTIC, target="dev")
    for intent in (twin, other, merged, elsewhere):
        index_one(intent_id=intent.pk, actor="tester")
    text = index_text(semantic=SEMANTIC, source="feature/a")

    found = similar_intents(text=text, tenant_id="t1", repository_id=repo.pk, target="main")

    assert found == [
        SimilarIntent(
            intent_id=twin.pk, similarity=1.0, objective="Rotate refresh tokens", title=""
        )
    ]
    assert similar_intents(text=text, tenant_id="t2", repository_id=repo.pk, target="main") == []
    assert (
        similar_intents(
            text=text,
            tenant_id="t1",
            repository_id=repo.pk,
            target="main",
            exclude_intent_id=twin.pk,
        )
        == []
    )


def test_all_tenants_most_similar_first_and_limited() -> None:
    repo = RepositoryFactory()
    intents = [
        IntentFactory(repository=repo, semantic={"objective": f"change {n}"}) for n in range(4)
    ]
    for intent in intents:
        index_one(intent_id=intent.pk, actor="tester")

    found = similar_intents(
        text="anything", tenant_id=None, repository_id=repo.pk, target="main", limit=2
    )

    assert len(found) == 2
    assert found[0].similarity >= found[1].similarity
    assert all(0.0 <= item.similarity <= 1.0 for item in found)


def test_embed_text_is_a_unit_vector_of_the_active_provider() -> None:
    vector = embed_text("Rotate refresh tokens")

    assert vector.dtype == np.float32
    assert vector.shape == (64,)
    assert np.linalg.norm(vector) == pytest.approx(1.0, abs=1e-5)
