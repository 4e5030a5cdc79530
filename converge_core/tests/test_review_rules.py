from datetime import UTC, datetime, timedelta

import pytest

from converge_core.errors import Conflict, InvalidInput
from converge_core.reviews import (
    OPEN,
    ReviewFacts,
    ReviewOp,
    ReviewStatus,
    approval_required,
    clean_resolution,
    hold_verdict,
    parse_pool,
    pick_reviewer,
    policy_review_due,
    review_target,
    sla_deadline,
)

P, A, R, E, C, X = (
    "pending",
    "assigned",
    "in_review",
    "escalated",
    "completed",
    "cancelled",
)
# operations §2.2: (operation, from) -> to; every other pair is a 409
TABLE = {
    **{("assign", s): A for s in (P, A, R, E)},
    ("start", A): R,
    ("start", E): R,
    **{("complete", s): C for s in (P, A, R, E)},
    **{("cancel", s): X for s in (P, A, R, E)},
    **{("escalate", s): E for s in (P, A, R)},
}
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize("op", list(ReviewOp))
def test_transition_table_is_exactly_the_documented_one(op):
    for status in ReviewStatus:
        expected = TABLE.get((str(op), str(status)))
        if expected is None:
            with pytest.raises(Conflict) as raised:
                review_target(op, status)
            assert raised.value.http_status == 409 and raised.value.exit_code == 2
        else:
            assert review_target(op, status) == expected


def test_terminal_reviews_refuse_every_operation():
    for status in (C, X):
        for op in ReviewOp:
            with pytest.raises(Conflict, match=f"Cannot {op} a review that is {status}"):
                review_target(op, status)


def test_sla_deadline_follows_the_risk_level():
    assert sla_deadline(NOW, "low") == NOW + timedelta(hours=72)
    assert sla_deadline(NOW, "medium") == NOW + timedelta(hours=48)
    assert sla_deadline(NOW, "high") == NOW + timedelta(hours=24)
    assert sla_deadline(NOW, "critical") == NOW + timedelta(hours=8)
    assert sla_deadline(NOW, "unknown") == NOW + timedelta(hours=48)


def test_resolution_is_validated():
    assert clean_resolution("deferred") == "deferred"
    with pytest.raises(InvalidInput, match="approved, rejected, deferred"):
        clean_resolution("maybe")


def _facts(status, resolution=None, notes="", minutes=0):
    completed = NOW + timedelta(minutes=minutes) if status == C else None
    return ReviewFacts(status, resolution, notes, completed)


def test_every_open_status_holds_the_intent():
    for status in OPEN:
        verdict = hold_verdict([_facts(str(status))])
        assert verdict.code == "review_pending" and verdict.rejects is False
        assert verdict.reason == "1 review(s) still pending"
    two = hold_verdict([_facts(P), _facts(E), _facts(C, "approved")])
    assert two.details == {"pending_reviews": 2}


def test_the_latest_completed_review_decides_once_nothing_is_open():
    rejected = hold_verdict([_facts(C, "approved", minutes=1), _facts(C, "rejected", "no", 2)])
    assert (rejected.code, rejected.reason, rejected.rejects) == (
        "review_rejected",
        "Review rejected: no",
        True,
    )
    assert (
        hold_verdict([_facts(C, "rejected", minutes=1), _facts(C, "approved", minutes=2)]) is None
    )
    deferred = hold_verdict([_facts(C, "deferred")])
    assert (deferred.code, deferred.rejects) == ("review_deferred", False)
    assert hold_verdict([_facts(C, "rejected")]).reason == "Review rejected"
    assert hold_verdict([_facts(X)]) is None
    assert hold_verdict([]) is None


def test_a_critical_intent_is_held_until_a_review_approves_it():
    levels = ("low", "medium", "high", "critical")
    assert [level for level in levels if approval_required(level)] == ["critical"]
    required = hold_verdict([], require_approval=True)
    assert (required.code, required.rejects, required.details) == (
        "review_required",
        False,
        {"required_trigger": "policy"},
    )
    assert hold_verdict([_facts(X)], require_approval=True).code == "review_required"
    assert hold_verdict([_facts(P)], require_approval=True).code == "review_pending"
    assert hold_verdict([_facts(C, "deferred")], require_approval=True).code == "review_deferred"
    assert hold_verdict([_facts(C, "rejected")], require_approval=True).rejects is True
    assert hold_verdict([_facts(C, "approved")], require_approval=True) is None


def test_the_policy_review_is_due_once_per_critical_intent():
    assert policy_review_due("critical", [])
    assert policy_review_due("critical", [_facts(X)])  # a cancelled review is asked again
    assert not policy_review_due("critical", [_facts(P)])  # one open review, never two
    for resolution in ("approved", "rejected", "deferred"):
        assert not policy_review_due("critical", [_facts(C, resolution)])
    assert not policy_review_due("high", [])


def test_the_least_loaded_reviewer_is_picked_ties_in_pool_order():
    pool = ("alice", "bob", "carol")
    assert pick_reviewer(pool, {"alice": 2, "bob": 1, "carol": 1}) == "bob"
    assert pick_reviewer(pool, {}) == "alice"
    with pytest.raises(InvalidInput):
        pick_reviewer((), {})


def test_the_pool_variable_is_a_comma_list():
    assert parse_pool(" alice, bob,,alice ,carol ") == ("alice", "bob", "carol")
    assert parse_pool("") == ()
