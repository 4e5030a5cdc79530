"""One intent that cannot be embedded never stops the others (reindex and the beat)."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from intents.tests.factories import IntentFactory
from semantic.index import index_pending, reindex
from semantic.models import Embedding
from semantic.providers import DeterministicProvider

pytestmark = pytest.mark.django_db


@pytest.fixture
def poisoned(monkeypatch):
    embed = DeterministicProvider.embed

    def failing(self: DeterministicProvider, texts: Sequence[str]):
        if any("poison" in text for text in texts):
            raise RuntimeError("cannot embed this text")
        return embed(self, texts)

    monkeypatch.setattr(DeterministicProvider, "embed", failing)
    good = [IntentFactory(semantic={"objective": f"change {n}"}) for n in range(3)]
    bad = IntentFactory(semantic={"objective": "poison"})
    return good, bad


def test_reindex_reports_the_failure_and_indexes_the_rest(poisoned) -> None:
    good, bad = poisoned

    result = reindex(actor="tester")

    assert (result["indexed"], result["failed"], result["total"]) == (3, 1, 4)
    assert result["failures"][0]["intent_id"] == bad.pk
    assert set(Embedding.objects.values_list("intent_id", flat=True)) == {i.pk for i in good}


def test_the_beat_indexes_the_rest_too(poisoned) -> None:
    good, bad = poisoned

    result = index_pending(actor="tester")

    assert result["indexed"] == 3
    assert [f["intent_id"] for f in result["failures"]] == [bad.pk]
