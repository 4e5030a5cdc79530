"""A new user's first run with the real model: two ways of saying "rotate refresh tokens" on
``main`` conflict, "Speed up CSV export" does not; resolving clears the pair; in enforce mode
the younger intent is held until then."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from intents.hooks import queue_holds
from intents.tests.factories import IntentFactory, RepositoryFactory

pytestmark = [pytest.mark.slow, pytest.mark.django_db]


@pytest.fixture(autouse=True)
def real_model(monkeypatch):
    monkeypatch.setenv("CONVERGE_FF_SEMANTIC_EMBEDDINGS_MODEL_MODE", "sentence-transformers")
    monkeypatch.setenv("CONVERGE_FF_SEMANTIC_CONFLICTS_MODE", "enforce")


def test_rotation_intents_conflict_and_the_younger_is_held_until_resolved(cli, settings):
    repo = RepositoryFactory()
    now = timezone.now()
    older = IntentFactory(
        repository=repo,
        semantic={"objective": "Add refresh-token rotation to the auth flow"},
        created_at=now - timedelta(minutes=5),
    )
    younger = IntentFactory(
        repository=repo, semantic={"objective": "Rotate refresh tokens on login"}, created_at=now
    )
    csv = IntentFactory(repository=repo, semantic={"objective": "Speed up CSV export"})

    reindexed = cli("semantic", "reindex").json
    assert reindexed["model"] == "all-MiniLM-L6-v2"
    listed = cli("semantic", "conflict-list").json
    assert [(c["intent_a"], c["intent_b"]) for c in listed] == [
        tuple(sorted((older.pk, younger.pk)))
    ]
    assert csv.pk not in {listed[0]["intent_a"], listed[0]["intent_b"]}
    assert listed[0]["held_intent"] == younger.pk
    holds = {i for check in queue_holds() for i in check([older.pk, younger.pk, csv.pk])}
    assert holds == {younger.pk}

    settings.CONVERGE_ACTOR = "alice"  # what --actor sets in a fresh process
    resolved = cli(
        "semantic",
        "conflict-resolve",
        "--intent-a",
        older.pk,
        "--intent-b",
        younger.pk,
        "--resolution",
        "two halves of one change",
    ).json
    assert (resolved["resolved_by"], resolved["resolution"]) == (
        "alice",
        "two halves of one change",
    )
    assert cli("semantic", "conflict-list").json == []
    assert {i for check in queue_holds() for i in check([younger.pk])} == set()
