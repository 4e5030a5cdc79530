"""``intent status`` names the intent's open semantic conflicts."""

from __future__ import annotations

import pytest

from intents.tests.factories import IntentFactory, RepositoryFactory
from semantic.conflicts import conflict_scan
from semantic.tests.helpers import store

pytestmark = pytest.mark.django_db


def test_intent_status_lists_the_open_conflicts_of_the_intent(cli) -> None:
    repo = RepositoryFactory()
    a, b = IntentFactory(repository=repo), IntentFactory(repository=repo)
    alone = IntentFactory(repository=repo)
    store(a, [1.0, 0.0])
    store(b, [1.0, 0.0])
    store(alone, [0.0, 1.0])
    conflict_scan(actor="tester")

    shown = cli("intent", "status", "--intent-id", b.pk).json

    assert [(c["intent_a"], c["intent_b"]) for c in shown["semantic_conflicts"]] == [(a.pk, b.pk)]
    assert cli("intent", "status", "--intent-id", alone.pk).json["semantic_conflicts"] == []
