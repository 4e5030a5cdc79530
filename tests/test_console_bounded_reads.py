"""The changelists an operator opens on the big tables (events, intents, reviews, security
findings and scans) never read a
whole table: no ``SELECT DISTINCT`` for filter choices, no date hierarchy over every row, and
the paginator counts over a bounded subquery, so a page costs the same at ten million events."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from intents.tests.factories import IntentFactory
from interfaces.console import COUNT_CAP
from ledger.append import event_append
from reviews.tests.factories import ReviewTaskFactory
from security.tests.factories import SecurityFindingFactory, SecurityScanFactory
from tests.console_seed import PASSWORD, operator, seed

PAGES = {
    "events": reverse("admin:ledger_event_changelist"),
    "events of one intent": reverse("admin:ledger_event_changelist") + "?q=blocked-1",
    "operator events": reverse("admin:ledger_event_changelist") + "?actor=operators",
    "intents": reverse("admin:intents_intent_changelist"),
    "all intents": reverse("admin:intents_intent_changelist") + "?lifecycle=all",
    "reviews": reverse("admin:reviews_reviewtask_changelist"),
    "findings": reverse("admin:security_securityfinding_changelist"),
    "scans": reverse("admin:security_securityscan_changelist"),
}
TABLES = (
    '"intents_event"',
    '"intents_intent"',
    '"reviews_reviewtask"',
    '"security_securityfinding"',
    '"security_securityscan"',
)


@pytest.fixture
def client(db) -> Client:
    seeded = seed()
    operator()
    for n in range(12):
        intent = IntentFactory(repository=seeded.repository, tenant_id=f"tenant-{n % 3}")
        ReviewTaskFactory(intent=intent)
        SecurityFindingFactory(scan=SecurityScanFactory(intent=intent))
        event_append(event_type="intent.created", intent_id=intent.pk, tenant_id=intent.tenant_id)
    client = Client()
    assert client.login(username="ops", password=PASSWORD)
    return client


def _reads(client: Client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return [
        query["sql"]
        for query in queries.captured_queries
        if any(table in query["sql"] for table in TABLES)
    ]


@pytest.mark.parametrize("page", PAGES)
def test_no_query_of_a_changelist_reads_a_whole_big_table(client, page):
    reads = _reads(client, PAGES[page])
    assert reads
    for sql in reads:
        assert "SELECT DISTINCT" not in sql.upper(), sql
        assert not re.search(r"datetime_trunc|date_trunc|MIN\(.*MAX\(", sql, re.I), sql


@pytest.mark.parametrize(
    "page", ["events", "intents", "all intents", "reviews", "findings", "scans"]
)
def test_the_changelist_count_stops_at_the_cap(client, page):
    counts = [sql for sql in _reads(client, PAGES[page]) if "COUNT(" in sql.upper()]
    assert counts
    for sql in counts:
        assert re.search(rf"LIMIT {COUNT_CAP}\b", sql), sql


def test_filter_choices_come_from_one_walk_of_the_tenant_index(client):
    response = client.get(PAGES["events"])
    walks = [sql for sql in _reads(client, PAGES["events"]) if "WITH RECURSIVE" in sql]
    assert len(walks) == 1
    for tenant in ("tenant-0", "tenant-1", "tenant-2"):
        assert f"?tenant_id={tenant}" in response.content.decode()


def test_search_matches_an_id_exactly(client):
    body = client.get(PAGES["events of one intent"]).content.decode()
    assert "blocked-1" in body
    assert client.get(reverse("admin:ledger_event_changelist") + "?q=BLOCKED-1").status_code == 200
