from datetime import timedelta

from django.db.models import Avg, Count, OuterRef
from django.utils import timezone

from intents.models import Intent
from intents.tests.factories import IntentFactory
from ledger.append import event_append
from ledger.selectors import (
    event_aggregate,
    event_count,
    event_counts,
    event_exists,
    event_feed,
    event_payloads,
    has_event_since,
    intents_latest_seq,
    latest_event,
    latest_events,
    latest_payload,
    payload_is,
    payload_number,
)


def _append(event_type, intent_id=None, **fields):
    return event_append(event_type=event_type, intent_id=intent_id, **fields)


def test_a_filter_given_as_none_is_no_filter(db):
    _append("worker.started", tenant_id="acme")
    _append("worker.started")
    assert event_count(event_type="worker.started", tenant_id=None) == 2
    assert event_count(event_type="worker.started", tenant_id="acme") == 1


def test_feed_orders_by_storage_or_by_time(db):
    now = timezone.now()
    late = _append("worker.started", timestamp=now)
    early = _append("worker.stopped", timestamp=now - timedelta(hours=1))
    assert list(event_feed()) == [early, late]
    assert list(event_feed(oldest_first=True)) == [late, early]
    assert list(event_feed(by_time=True)) == [late, early]
    assert list(event_feed(by_time=True, oldest_first=True)) == [early, late]


def test_time_bounds_since_until_and_before(db):
    now = timezone.now()
    at_now = _append("worker.started", timestamp=now)
    _append("worker.started", timestamp=now - timedelta(hours=2))
    assert list(event_feed(since=now - timedelta(hours=1), until=now)) == [at_now]
    assert event_count(since=now - timedelta(hours=1), before=now) == 0


def test_latest_payload_of_one_intent_or_of_any(db):
    _append("risk.evaluated", "a", payload={"risk_score": 1})
    _append("risk.evaluated", "a", payload={"risk_score": 2})
    _append("risk.evaluated", "b", payload={"risk_score": 3}, tenant_id="acme")
    assert latest_payload(intent_id="a", event_type="risk.evaluated") == {"risk_score": 2}
    assert latest_payload(event_type="risk.evaluated") == {"risk_score": 3}
    assert latest_payload(event_type="risk.evaluated", tenant_id="other") is None
    assert latest_event(intent_id="c", event_type="risk.evaluated") is None


def test_latest_events_of_many_intents_in_one_query(db, django_assert_num_queries):
    _append("intent.dependency_blocked", "a", payload={"n": 1})
    _append("intent.speculative_conflict", "a", payload={"n": 2})
    _append("intent.dependency_blocked", "b", payload={"n": 3})
    _append("intent.merged", "b", payload={"n": 4})
    types = ("intent.dependency_blocked", "intent.speculative_conflict")
    with django_assert_num_queries(1):
        latest = latest_events(intent_ids=["a", "b", "c"], event_type=types)
    assert {key: (e.event_type, e.payload) for key, e in latest.items()} == {
        "a": ("intent.speculative_conflict", {"n": 2}),
        "b": ("intent.dependency_blocked", {"n": 3}),
    }
    assert latest_events(intent_ids=[], event_type=types) == {}


def test_existence_by_payload_key(db):
    _append("notification.sent", payload={"delivery_id": "d-1"})
    assert event_exists(event_type="notification.sent", payload={"delivery_id": "d-1"})
    assert not event_exists(event_type="notification.sent", payload={"delivery_id": "d-2"})


def test_counts_by_type_and_aggregates_in_one_query(db, django_assert_num_queries):
    _append("intent.merged", "a")
    _append("intent.merged", "b")
    _append("intent.rejected", "c")
    _append("simulation.completed", "a", payload={"mergeable": True, "score": 2})
    _append("simulation.completed", "b", payload={"mergeable": False, "score": 4})
    with django_assert_num_queries(1):
        counts = event_counts(event_type=["intent.merged", "intent.rejected", "intent.blocked"])
    assert counts == {"intent.merged": 2, "intent.rejected": 1}
    assert counts["intent.blocked"] == 0
    with django_assert_num_queries(1):
        stats = event_aggregate(
            event_type="simulation.completed",
            aggregates={
                "total": Count("pk"),
                "mergeable": Count("pk", filter=payload_is("mergeable", True)),
                "score": Avg(payload_number("score")),
            },
        )
    assert stats == {"total": 2, "mergeable": 1, "score": 3.0}


def test_payloads_are_limited_in_feed_order(db):
    for n in range(3):
        _append("health.snapshot", payload={"n": n})
    assert event_payloads(event_type="health.snapshot", limit=2) == [{"n": 2}, {"n": 1}]
    assert event_payloads(event_type="health.snapshot", limit=2, oldest_first=True) == [
        {"n": 0},
        {"n": 1},
    ]


def test_intents_latest_seq_after_a_sequence_number(db):
    first = _append("intent.validated", "a")
    b = _append("intent.validated", "b")
    a = _append("intent.merged", "a")
    _append("worker.started")
    decided = intents_latest_seq(event_type=["intent.validated", "intent.merged"])
    assert decided == [("b", b.seq), ("a", a.seq)]
    assert intents_latest_seq(event_type="intent.validated", after_seq=first.seq) == [("b", b.seq)]


def test_has_event_since_correlates_with_the_outer_row(db):
    blocked = IntentFactory(id="blocked")
    IntentFactory(id="fresh")
    _append("intent.blocked", "blocked", timestamp=blocked.updated_at + timedelta(seconds=1))
    _append("intent.blocked", "fresh", timestamp=timezone.now() - timedelta(days=1))
    marked = Intent.objects.filter(
        has_event_since(
            event_type="intent.blocked", intent_id=OuterRef("pk"), since=OuterRef("updated_at")
        )
    )
    assert list(marked.values_list("id", flat=True)) == ["blocked"]
