"""verify-chain and prune read the log in keyset pages: their queries grow with the pages
(rows / chunk), each page is bounded by the chunk, and prune reads only the pruned range."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ledger import chain, prune
from ledger.append import event_append
from ledger.chain import chain_verify
from ledger.models import Event, PruneGap
from ledger.prune import events_prune

pytestmark = pytest.mark.django_db


def _log_pages(queries: CaptureQueriesContext) -> list[str]:
    """The page reads of the walk: SELECTs of the event table in seq order with a LIMIT."""
    return [
        query["sql"]
        for query in queries.captured_queries
        if query["sql"].startswith("SELECT")
        and 'FROM "intents_event" WHERE ("intents_event"."seq" >' in query["sql"]
        and re.search(r"LIMIT \d+$", query["sql"])
    ]


def _append(count: int, **fields: object) -> list[Event]:
    return [
        event_append(event_type="worker.heartbeat", payload={"n": n}, **fields)
        for n in range(count)
    ]


@pytest.mark.parametrize(("rows", "pages"), [(10, 3), (12, 4), (40, 11)])
def test_verify_reads_one_page_per_chunk_of_rows(monkeypatch, rows, pages):
    monkeypatch.setattr(chain, "CHUNK", 4)
    _append(rows)

    with CaptureQueriesContext(connection) as queries:
        result = chain_verify(record=False)

    assert result["valid"] is True and result["event_count"] == rows
    walked = _log_pages(queries)
    assert len(walked) == pages
    assert all(sql.endswith("LIMIT 4") for sql in walked)


def test_verify_with_the_default_chunk_reads_a_small_log_in_one_query():
    _append(25)
    with CaptureQueriesContext(connection) as queries:
        assert chain_verify(record=False)["valid"] is True
    assert len(_log_pages(queries)) == 1


def test_prune_walks_only_the_pruned_range_in_pages_and_deletes_in_batches(monkeypatch):
    monkeypatch.setattr(prune, "CHUNK", 4)
    monkeypatch.setattr(prune, "DELETE_BATCH", 2)
    old = timezone.now() - timedelta(days=200)
    kept_before = _append(6)
    first_run = _append(7, timestamp=old)
    kept_between = _append(1)
    second_run = _append(3, timestamp=old)
    _append(5)
    doomed = [event.seq for event in first_run + second_run]
    before = timezone.now() - timedelta(days=90)

    with CaptureQueriesContext(connection) as queries:
        result = events_prune(
            candidates=Event.objects.filter(seq__in=doomed),
            before=before,
            snapshot=lambda ids: {},
        )

    assert result["pruned"] == 10
    walked = _log_pages(queries)
    # the range first_run[0]..second_run[-1] is 11 rows: three pages of at most 4
    assert len(walked) == 3
    assert f'"intents_event"."seq" > {first_run[0].seq - 1}' in walked[0]
    assert all(kept.seq < first_run[0].seq for kept in kept_before)
    deletes = [
        query["sql"]
        for query in queries.captured_queries
        if query["sql"].startswith('DELETE FROM "intents_event"')
    ]
    # the pages hold 4, 3 (and the kept row) and 3 doomed rows, deleted two a statement
    assert len(deletes) == 6
    assert all(sql[sql.index(" IN (") :].count(",") <= 1 for sql in deletes)
    gaps = list(PruneGap.objects.order_by("first_seq").values_list("first_seq", "last_seq"))
    assert gaps == [(first_run[0].seq, first_run[-1].seq), (second_run[0].seq, second_run[-1].seq)]
    assert Event.objects.filter(seq=kept_between[0].seq).exists()
    assert chain_verify(record=False)["valid"] is True
