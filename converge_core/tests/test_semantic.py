"""The pure parts of the semantic app: texts, the deterministic vector, the blockwise scan."""

from __future__ import annotations

import hashlib
import itertools

import numpy as np
import pytest

from converge_core.semantic import (
    IntentText,
    ScanItem,
    candidate_pairs,
    canonical_text,
    conflict_score,
    deterministic_vector,
    find_conflicts,
    prose_text,
    semantic_text,
    thresholds,
    vector_bytes,
    vector_from_bytes,
)

TEXT = IntentText(
    intent_id="i-1",
    source="feature/x",
    target="main",
    risk_level="medium",
    plan_id="p-1",
    semantic={"objective": "Rotate tokens", "problem_statement": "Stale tokens", "tags": ["a"]},
    scope=["auth/", "api/"],
    dependencies=["i-0"],
    links=[("bbb", "head"), ("aaa", "base")],
)


def test_canonical_text_has_the_spec_order_and_the_semantic_text_drops_identity_lines() -> None:
    assert canonical_text(TEXT).splitlines() == [
        "intent:i-1",
        "source:feature/x",
        "target:main",
        "risk:medium",
        "plan:p-1",
        "semantic.objective:Rotate tokens",
        "semantic.problem_statement:Stale tokens",
        'semantic.tags:["a"]',
        "scope:api/",
        "scope:auth/",
        "dep:i-0",
        "link:aaa:base",
        "link:bbb:head",
    ]
    assert semantic_text(TEXT) == "\n".join(
        line
        for line in canonical_text(TEXT).splitlines()
        if not line.startswith(("intent:", "plan:"))
    )


def test_prose_puts_the_problem_and_objective_first_and_keeps_out_branch_names() -> None:
    assert prose_text(TEXT.semantic, TEXT.scope) == (
        'Stale tokens\nRotate tokens\n["a"]\nscope: api/, auth/'
    )


def test_deterministic_vector_follows_the_spec_formula() -> None:
    text = "hello"
    buf = hashlib.sha256(b"hello:0").digest() + hashlib.sha256(b"hello:1").digest()
    words = [int.from_bytes(buf[4 * j : 4 * j + 4], "big") for j in range(16)]
    expected = np.array([w / 2**32 * 2 - 1 for w in words])
    expected /= np.linalg.norm(expected)

    vector = deterministic_vector(text, 16)

    assert np.allclose(vector, expected, atol=1e-6)
    assert float(deterministic_vector(text) @ deterministic_vector(text)) == pytest.approx(1.0)
    assert abs(float(deterministic_vector("a") @ deterministic_vector("b"))) < 0.5


def test_vectors_round_trip_through_float32_bytes() -> None:
    vector = deterministic_vector("x", 8)
    assert len(vector_bytes(vector)) == 32
    assert np.array_equal(vector_from_bytes(vector_bytes(vector)), vector)


def test_thresholds_default_by_the_kind_of_model_unless_given() -> None:
    assert thresholds("deterministic-v1", None, None) == (0.95, 0.80)
    assert thresholds("all-MiniLM-L6-v2", None, None) == (0.70, 0.60)
    assert thresholds("deterministic-v1", 0.7, 0.6) == (0.7, 0.6)


def test_score_weights_similarity_target_and_scope() -> None:
    assert conflict_score(0.8, 1.0, 0.5) == pytest.approx(0.78)
    assert conflict_score(0.8, 0.0, 0.0) == pytest.approx(0.48)


@pytest.mark.parametrize("block", [1, 3, 7, 64])
def test_blockwise_pairs_equal_the_brute_force_pairs(block: int) -> None:
    rng = np.random.default_rng(7)
    centres = rng.normal(size=(4, 16))
    vectors = np.repeat(centres, 5, axis=0) + rng.normal(scale=0.3, size=(20, 16))
    skip = np.array([0, 0, -1, -1, 1] * 4, dtype=np.int64)
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    expected = {
        (i, j)
        for i, j in itertools.combinations(range(20), 2)
        if unit[i] @ unit[j] >= 0.8 and not (skip[i] >= 0 and skip[i] == skip[j])
    }

    rows, cols, sims = candidate_pairs(vectors, 0.8, skip=skip, block=block)

    assert set(zip(rows.tolist(), cols.tolist(), strict=True)) == expected
    assert expected  # the data has candidates at all
    for i, j, sim in zip(rows, cols, sims, strict=True):
        assert sim == pytest.approx(unit[i] @ unit[j], abs=1e-5)


def _item(intent_id: str, target: str = "main", **fields: object) -> ScanItem:
    values: dict[str, object] = {"plan_id": None, "scope": frozenset(), "created_at": 0.0}
    values.update(fields)
    return ScanItem(intent_id=intent_id, target=target, **values)  # type: ignore[arg-type]


def test_conflicts_are_scored_ordered_and_name_the_younger_intent() -> None:
    a, b = np.array([1.0, 0.0, 0.0]), np.array([0.9, 0.1, 0.0])
    items = [
        _item("i-b", scope=frozenset({"auth/"}), created_at=2.0),
        _item("i-a", scope=frozenset({"auth/", "api/"}), created_at=1.0),
        _item("i-c", target="dev"),
        _item("i-d", plan_id="p", created_at=1.0),
        _item("i-e", plan_id="p", created_at=1.0),
    ]
    vectors = np.stack([a, b, a, [0.0, 1.0, 0.0], [0.0, 1.0, 0.0]])

    found, compared = find_conflicts(
        items, vectors, similarity_threshold=0.7, conflict_threshold=0.6
    )

    assert compared == 10
    pairs = [(c.intent_a, c.intent_b) for c in found]
    # i-b ~ i-c: one vector, two targets: 0.6·1 + 0 + 0 = 0.6, just reported; i-a ~ i-c:
    # 0.6·0.9939 = 0.596, not reported; by similarity descending
    assert pairs == [("i-b", "i-c"), ("i-a", "i-b")]
    first = next(c for c in found if (c.intent_a, c.intent_b) == ("i-a", "i-b"))
    assert first.younger == "i-b"
    assert first.target_overlap == 1.0
    assert first.scope_overlap == 0.5
    assert ("i-d", "i-e") not in pairs  # one plan
