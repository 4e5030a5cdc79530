"""The conflict scan over in-flight intents: who is compared, what is recorded, and when."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from intents.tests.factories import IntentFactory, RepositoryFactory
from ledger.selectors import event_count
from semantic.conflicts import conflict_scan
from semantic.models import SemanticConflict
from semantic.tests.helpers import store

pytestmark = pytest.mark.django_db

NEAR = [0.9, 0.1]  # cosine 0.994 with SAME
SAME = [1.0, 0.0]
FAR = [0.0, 1.0]


def _scan(**kwargs: object) -> dict:
    return conflict_scan(actor="tester", **kwargs)  # type: ignore[arg-type]


def test_similar_in_flight_intents_conflict_and_the_rest_do_not() -> None:
    repo = RepositoryFactory()
    a = IntentFactory(repository=repo, technical={"scope_hint": ["auth/"]})
    b = IntentFactory(repository=repo, technical={"scope_hint": ["auth/"]})
    far = IntentFactory(repository=repo)
    merged = IntentFactory(repository=repo, status="MERGED")
    other_repo = IntentFactory()
    for intent, vector in ((a, SAME), (b, NEAR), (far, FAR), (merged, SAME), (other_repo, SAME)):
        store(intent, vector)

    result = _scan()

    assert [(c["intent_a"], c["intent_b"]) for c in result["conflicts"]] == [(a.pk, b.pk)]
    conflict = result["conflicts"][0]
    assert conflict["similarity"] == pytest.approx(0.9939, abs=1e-4)
    assert conflict["scope_overlap"] == 1.0
    assert conflict["score"] == pytest.approx(0.6 * 0.9939 + 0.2 + 0.2, abs=1e-4)
    assert result["candidates_checked"] == 3  # a, b, far in one repository
    assert result["persisted"] == {"opened": 1, "changed": 0, "held": 0}
    row = SemanticConflict.objects.get()
    assert (row.status, row.intent_a_id, row.intent_b_id) == ("open", a.pk, b.pk)


def test_a_repeated_scan_writes_nothing_and_a_changed_score_writes_once() -> None:
    repo = RepositoryFactory()
    a, b = IntentFactory(repository=repo), IntentFactory(repository=repo)
    store(a, SAME)
    vector_b = store(b, NEAR)
    _scan()
    before = event_count(event_type="semantic_conflict.detected")

    again = _scan()

    assert again["persisted"]["opened"] == 0
    assert event_count(event_type="semantic_conflict.detected") == before == 1
    from converge_core.semantic import vector_bytes

    vector_b.vector = vector_bytes([0.8, 0.2] + [0.0] * 62)
    vector_b.save()
    changed = _scan()
    assert changed["persisted"] == {"opened": 0, "changed": 1, "held": 0}
    assert event_count(event_type="semantic_conflict.detected") == 2


def test_targets_count_in_the_score_and_plans_are_not_compared() -> None:
    repo = RepositoryFactory()
    main = IntentFactory(repository=repo, target="main")
    dev = IntentFactory(repository=repo, target="dev")
    p1 = IntentFactory(repository=repo, plan_id="plan")
    p2 = IntentFactory(repository=repo, plan_id="plan")
    store(main, SAME)
    store(dev, NEAR)
    store(p1, FAR)
    store(p2, FAR)

    result = _scan()

    # main ~ dev: 0.6·0.994 + 0 + 0 < 0.6; p1 ~ p2 share a plan
    assert result["conflicts"] == []
    assert _scan(conflict_threshold=0.5)["conflicts"][0]["target_overlap"] == 0.0
    assert _scan(target="main", conflict_threshold=0.5)["conflicts"] == []


def test_tenants_are_scanned_apart_and_unindexed_intents_are_counted() -> None:
    repo = RepositoryFactory()
    t1 = IntentFactory(repository=repo, tenant_id="t1")
    t2 = IntentFactory(repository=repo, tenant_id="t2")
    IntentFactory(repository=repo, tenant_id="t1")
    store(t1, SAME)
    store(t2, SAME)

    result = _scan()

    assert result["conflicts"] == []
    assert result["not_indexed"] == 1
    assert _scan(tenant_id="t1")["not_indexed"] == 1


def test_a_read_only_scan_records_nothing() -> None:
    repo = RepositoryFactory()
    for intent in (IntentFactory(repository=repo), IntentFactory(repository=repo)):
        store(intent, SAME)

    result = conflict_scan(actor="tester", persist=False)

    assert len(result["conflicts"]) == 1
    assert "persisted" not in result
    assert not SemanticConflict.objects.exists()
    assert event_count(event_type="semantic_conflict.detected") == 0


def test_bad_thresholds_and_modes_are_refused() -> None:
    from converge_core.errors import InvalidInput

    with pytest.raises(InvalidInput):
        _scan(similarity_threshold=1.5)
    with pytest.raises(InvalidInput):
        _scan(mode="loud")


def test_the_younger_intent_is_the_one_named_to_hold() -> None:
    repo = RepositoryFactory()
    now = timezone.now()
    older = IntentFactory(repository=repo, id="z-older", created_at=now - timedelta(hours=1))
    younger = IntentFactory(repository=repo, id="a-younger", created_at=now)
    store(older, SAME)
    store(younger, SAME)

    _scan(mode="enforce")

    row = SemanticConflict.objects.get()
    assert row.held_intent_id == younger.pk
    assert row.review is not None
    assert row.review.trigger == "conflict"
    assert row.review.intent_id == younger.pk
