"""Every page of the console runs a fixed number of queries however many rows it shows: the
count with four times the rows equals the count with the first rows."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from intents.models import QueueLock
from intents.tests.factories import IntentFactory
from ledger.append import event_append
from reviews.tests.factories import ReviewTaskFactory
from tests.console_seed import PASSWORD, operator, seed

PAGES = {
    "dashboard": reverse("admin:index"),
    "intents": reverse("admin:intents_intent_changelist"),
    "events": reverse("admin:ledger_event_changelist"),
    "reviews": reverse("admin:reviews_reviewtask_changelist"),
    "locks": reverse("admin:intents_queuelock_changelist"),
    "keys": reverse("admin:access_apikey_changelist"),
    "intake": reverse("admin:intake_intakeoverride_changelist"),
    "intent page": reverse("admin:intents_intent_change", args=["blocked-1"]),
}


def grow(seeded, start: int, count: int, *, snapshots: bool) -> None:
    """``count`` more intents (each with a review, events and a tenant of its own), locks."""
    now = timezone.now()
    for n in range(start, start + count):
        tenant = f"tenant-{n:03d}"
        intent = IntentFactory(repository=seeded.repository, tenant_id=tenant, target=f"t{n}")
        ReviewTaskFactory(intent=intent)
        event_append(event_type="intent.created", intent_id=intent.pk, tenant_id=tenant)
        event_append(event_type="intent.blocked", intent_id="blocked-1", payload={"n": n})
        if snapshots:
            event_append(
                event_type="health.snapshot",
                tenant_id=tenant,
                payload={"repo_health_score": 80.0 - n % 50, "status": "green"},
            )
        QueueLock.objects.create(
            name=f"{seeded.repository.name}:t{n}",
            repository=seeded.repository,
            target=f"t{n}",
            holder=f"host-{n}:1:x",
            acquired_at=now,
            expires_at=now + timedelta(minutes=5),
        )


def counts(client: Client) -> dict[str, int]:
    measured = {}
    for name, url in PAGES.items():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, name
        measured[name] = len(queries)
    return measured


@pytest.mark.parametrize("snapshots", [True, False], ids=["snapshots", "no-snapshots"])
def test_every_page_has_a_fixed_query_count(db, snapshots):
    seeded = seed()
    operator()
    client = Client()
    assert client.login(username="ops", password=PASSWORD)
    grow(seeded, 0, 10, snapshots=snapshots)
    first = counts(client)
    grow(seeded, 10, 33, snapshots=snapshots)  # 43 tenants in all, as in production
    assert counts(client) == first
