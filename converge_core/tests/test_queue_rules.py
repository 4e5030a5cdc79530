from converge_core.queue import (
    Candidate,
    dependency_verdict,
    exhausted,
    order_batch,
    parse_targets,
    retry_outcome,
)


def _c(intent_id, priority=3, deps=()):
    return Candidate(intent_id, priority, tuple(deps), 0)


def test_batch_keeps_queue_order_without_dependencies():
    batch = [_c("a", 1), _c("b", 2), _c("c", 3)]
    assert [c.intent_id for c in order_batch(batch)] == ["a", "b", "c"]


def test_a_dependency_goes_first_whatever_the_priorities():
    batch = [_c("frontend", 1, ["backend"]), _c("backend", 2, ["schema"]), _c("schema", 5)]
    assert [c.intent_id for c in order_batch(batch)] == ["schema", "backend", "frontend"]


def test_cycles_keep_their_order():
    batch = [_c("a", 1, ["b"]), _c("b", 2, ["a"]), _c("c", 3)]
    assert [c.intent_id for c in order_batch(batch)] == ["c", "a", "b"]


def test_dependency_verdicts():
    statuses = {"m": "MERGED", "r": "REJECTED", "v": "VALIDATED", "x": "VALIDATED"}
    graph = {"x": ["y"], "y": ["x"]}
    assert dependency_verdict("i", [], statuses, graph) is None
    assert dependency_verdict("i", ["m"], statuses, graph) is None
    assert dependency_verdict("i", ["m", "r"], statuses, graph).reason == "Dependency rejected: r"
    assert dependency_verdict("i", ["ghost"], statuses, graph).reason == "Dependency missing: ghost"
    unmet = dependency_verdict("i", ["v", "m"], statuses, graph)
    assert (unmet.reason, unmet.unmet) == ("Unmet dependencies", ("v",))
    cyclic = dependency_verdict("x", ["y"], {**statuses, "y": "VALIDATED"}, graph)
    assert cyclic.reason == "Dependency cycle: x → y → x"


def test_dependencies_resolve_within_the_tenant():
    statuses = {"i": "VALIDATED", "ours": "MERGED", "theirs": "MERGED", "x": "VALIDATED"}
    tenants = {"i": "a", "ours": "a", "theirs": "b", "x": "b"}
    assert dependency_verdict("i", ["ours"], statuses, {}, tenants) is None
    foreign = dependency_verdict("i", ["ours", "theirs"], statuses, {}, tenants)
    assert (foreign.reason, foreign.unmet) == ("Dependency missing: theirs", ("theirs",))
    # a cycle through another tenant's intent is not seen: that intent is unknown to "i"
    graph = {"i": ["x"], "x": ["i"]}
    across = dependency_verdict("i", ["x"], statuses, graph, tenants)
    assert across.reason == "Dependency missing: x"
    assert dependency_verdict("i", ["x"], statuses, graph).reason == "Dependency cycle: i → x → i"


def test_another_tenants_intent_does_not_order_the_batch():
    batch = [
        Candidate("later", 1, ("ours",), 0, "a"),
        Candidate("mine", 1, ("theirs",), 0, "a"),
        Candidate("theirs", 2, (), 0, "b"),
        Candidate("ours", 3, (), 0, "a"),
    ]
    assert [c.intent_id for c in order_batch(batch)] == ["mine", "theirs", "ours", "later"]


def test_verdict_payload_names_the_plan():
    verdict = dependency_verdict("i", ["v"], {"v": "READY"}, {})
    assert verdict.as_payload(["v"], "plan-1") == {
        "reason": "Unmet dependencies",
        "unmet_dependencies": ["v"],
        "all_dependencies": ["v"],
        "plan_id": "plan-1",
    }


def test_retry_bound_rejects_on_the_third_failure_by_default():
    assert retry_outcome(0, 3) == (1, False)
    assert retry_outcome(1, 3) == (2, False)
    assert retry_outcome(2, 3) == (3, True)
    assert exhausted(3, 3) and not exhausted(2, 3)


def test_targets_option():
    assert parse_targets(None, "main") == ["main"]
    assert parse_targets("main, release ,main", "main") == ["main", "release"]
    assert parse_targets("*", "main") is None
