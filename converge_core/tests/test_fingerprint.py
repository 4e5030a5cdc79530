"""Decision fingerprints and snapshot values: what changes them and what does not."""

from __future__ import annotations

from dataclasses import replace

import pytest

from converge_core.fingerprint import (
    FINGERPRINT_VERSION,
    DecisionInputs,
    changed_inputs,
    digest,
    policy_digest,
    value_changed,
)

SHA_A, SHA_B, SHA_C = "a" * 40, "b" * 40, "c" * 40


def _inputs(**changes):
    base = DecisionInputs(
        source_sha=SHA_A,
        target_sha=SHA_B,
        intent={"source": "feature/x", "target": "main", "priority": 3, "dependencies": []},
        policy=policy_digest({"profiles": {"medium": {"entropy_budget": 18}}}, None),
        flags={"risk_auto_classify": {"enabled": True, "mode": "enforce"}},
        archaeology_snapshot=7,
        options={"skip_checks": False},
        extensions={"reviews.holds.review_inputs": digest([["r1", "pending", ""]])},
    )
    return replace(base, **changes)


def test_the_same_inputs_give_the_same_fingerprint_whatever_the_key_order():
    one = _inputs(intent={"target": "main", "source": "feature/x", "priority": 3})
    two = _inputs(intent={"source": "feature/x", "priority": 3, "target": "main"})
    assert one.fingerprint == two.fingerprint
    assert len(one.fingerprint) == 64
    assert one.parts()["version"] == FINGERPRINT_VERSION


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"source_sha": SHA_C}, ["source_sha"]),
        ({"target_sha": SHA_C}, ["target_sha"]),
        ({"intent": {"source": "feature/x", "target": "main", "priority": 1}}, ["intent"]),
        ({"policy": policy_digest({}, {"max_risk_score": 90})}, ["policy"]),
        ({"flags": {"risk_auto_classify": {"enabled": True, "mode": "shadow"}}}, ["flags"]),
        ({"archaeology_snapshot": 8}, ["archaeology_snapshot"]),
        ({"options": {"skip_checks": True}}, ["options"]),
        (
            {"extensions": {"reviews.holds.review_inputs": digest([["r1", "completed", "ok"]])}},
            ["extensions.reviews.holds.review_inputs"],
        ),
        ({"extensions": {}}, ["extensions.reviews.holds.review_inputs"]),
    ],
)
def test_every_input_changes_the_fingerprint_and_is_named(changes, named):
    before, after = _inputs(), _inputs(**changes)
    assert after.fingerprint != before.fingerprint
    assert changed_inputs(before.parts(), after.parts()) == named


def test_state_that_is_not_an_input_does_not_count():
    fields = {"source": "feature/x", "target": "main", "priority": 3, "dependencies": []}
    with_state = {**fields, "status": "QUEUED", "retries": 2, "claimed_by": "w1"}
    assert _inputs(intent=with_state).fingerprint == _inputs(intent=fields).fingerprint


def test_the_tenants_risk_policy_is_part_of_the_policy_digest():
    policy = {"risk": {"mode": "shadow"}}
    assert policy_digest(policy, None) != policy_digest(policy, {"mode": "enforce"})
    assert policy_digest(policy, {"mode": "enforce"}) == policy_digest(policy, {"mode": "enforce"})


def test_refs_and_fields_seen_by_a_run_replace_the_ones_it_started_with():
    inputs = _inputs()
    moved = inputs.with_refs(SHA_C, SHA_B).with_intent(risk_level="high")
    assert changed_inputs(inputs.parts(), moved.parts()) == ["intent", "source_sha"]
    assert changed_inputs(None, inputs.parts()) == sorted(inputs.parts())


def test_a_snapshot_value_ignores_its_timestamp():
    old = {"repo_health_score": 80.0, "timestamp": "2025-01-01T00:00:00+00:00", "lessons": [1]}
    same = {**old, "timestamp": "2025-01-01T00:05:00+00:00", "lessons": (1,)}
    assert value_changed(None, old) is True
    assert value_changed(old, same) is False
    assert value_changed(old, {**same, "repo_health_score": 79.9}) is True
