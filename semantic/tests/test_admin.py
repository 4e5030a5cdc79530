"""The console lists conflicts open first with both objectives, closes them through the
service with a reason, and shows the index's coverage."""

from __future__ import annotations

import pytest
from django.urls import reverse

from intents.tests.factories import IntentFactory, RepositoryFactory
from ledger.models import Event
from semantic.conflicts import conflict_resolve, conflict_scan
from semantic.models import SemanticConflict
from semantic.tests.helpers import store

pytestmark = pytest.mark.django_db

CONFLICTS = "admin:semantic_semanticconflict_changelist"


def _two_conflicts() -> list[SemanticConflict]:
    repo = RepositoryFactory()
    a = IntentFactory(repository=repo, semantic={"objective": "Rotate refresh tokens"})
    b = IntentFactory(repository=repo, semantic={"objective": "Refresh token rotation"})
    c = IntentFactory(repository=repo, semantic={"objective": "Other thing"})
    d = IntentFactory(repository=repo, semantic={"objective": "Other thing again"})
    store(a, [1.0, 0.0, 0.0])
    store(b, [1.0, 0.01, 0.0])
    store(c, [0.0, 0.0, 1.0])
    store(d, [0.0, 0.3, 1.0])
    conflict_scan(actor="tester")
    return list(SemanticConflict.objects.order_by("-score"))


def test_open_conflicts_come_first_with_both_objectives(admin_client) -> None:
    best, other = _two_conflicts()
    conflict_resolve(intent_a=best.intent_a_id, intent_b=best.intent_b_id, actor="tester")

    response = admin_client.get(reverse(CONFLICTS))

    assert response.status_code == 200
    listed = [row.pk for row in response.context["cl"].result_list]
    assert listed == [other.pk, best.pk]
    assert b"Rotate refresh tokens" in response.content
    assert b"Other thing again" in response.content
    change = reverse("admin:intents_intent_change", args=[other.intent_a_id])
    assert change.encode() in response.content


def test_resolve_and_acknowledge_need_a_reason_and_record_the_admin(admin_client) -> None:
    first, second = _two_conflicts()
    url = reverse(CONFLICTS)

    refused = admin_client.post(
        url, {"action": "resolve", "_selected_action": [first.pk]}, follow=True
    )
    assert b"Give a reason." in refused.content
    admin_client.post(
        url, {"action": "resolve", "_selected_action": [first.pk], "note": "dup"}, follow=True
    )
    admin_client.post(
        url,
        {"action": "acknowledge", "_selected_action": [second.pk], "note": "both needed"},
        follow=True,
    )

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.resolution, first.resolved_by) == ("resolved", "dup", "admin:admin")
    assert (second.status, second.resolution) == ("acknowledged", "both needed")
    assert Event.objects.filter(event_type="semantic_conflict.resolved").count() == 2


def test_embeddings_show_the_coverage(admin_client) -> None:
    _two_conflicts()
    IntentFactory()

    response = admin_client.get(reverse("admin:semantic_embedding_changelist"), follow=True)

    assert response.status_code == 200
    assert b"Coverage: 4 of 5 intents indexed (80.0 %), 0 stale" in response.content
