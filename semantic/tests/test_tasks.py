"""The beat's indexing embeds new and changed in-flight intents and scans them; the scan task
honours the flag; both record nothing when nothing changed."""

from __future__ import annotations

import pytest

from intents.tests.factories import IntentFactory, RepositoryFactory
from ledger.selectors import event_count
from semantic.models import Embedding, SemanticConflict
from semantic.tasks import semantic_conflict_scan_task, semantic_index_pending_task

pytestmark = pytest.mark.django_db

SEMANTIC = {"objective": "Rotate refresh tokens"}


def test_pending_intents_are_embedded_and_scanned_once() -> None:
    repo = RepositoryFactory()
    a = IntentFactory(repository=repo, source="feature/x", semantic=SEMANTIC)
    b = IntentFactory(repository=repo, source="feature/x", semantic=SEMANTIC)
    IntentFactory(repository=repo, status="MERGED")

    first = semantic_index_pending_task.delay().get()

    assert (first["indexed"], first["opened"]) == (2, 1)
    assert SemanticConflict.objects.get().intent_a_id == min(a.pk, b.pk)
    events = event_count()
    again = semantic_index_pending_task.delay().get()
    assert (again["indexed"], again["opened"]) == (0, 0)
    assert event_count() == events

    b.semantic = {"objective": "Rotate refresh tokens on every login"}
    b.save()
    changed = semantic_index_pending_task.delay().get()
    assert changed["indexed"] == 1
    assert Embedding.objects.count() == 2


def test_flags_switch_indexing_and_beat_scans_off(monkeypatch) -> None:
    repo = RepositoryFactory()
    IntentFactory(repository=repo, semantic=SEMANTIC)
    monkeypatch.setenv("CONVERGE_FF_INTENT_SEMANTICS", "false")
    monkeypatch.setenv("CONVERGE_FF_SEMANTIC_CONFLICTS", "false")

    assert semantic_index_pending_task.delay().get() is None
    assert semantic_conflict_scan_task.delay().get() is None
    assert not Embedding.objects.exists()
