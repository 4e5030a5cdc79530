"""The console's pages: the dashboard explains the queue, the intent page is where an operator
investigates and acts, every act is an event naming the operator, and the plumbing (error
pages, rate limits, View site) is the console's own."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from intents.models import Intent, Repository
from ledger.models import Event
from reviews.models import ReviewTask
from tests.console_seed import CONFLICT, PASSWORD, operator, seed, viewer


@pytest.fixture
def seeded(db):
    return seed()


@pytest.fixture
def ops(seeded) -> Client:
    operator()
    client = Client()
    assert client.login(username="ops", password=PASSWORD)
    return client


def _act(client: Client, action: str, intent_id: str, **fields: str):
    page = reverse("admin:intents_intent_change", args=[intent_id])
    return client.post(
        reverse("admin:intents_intent_changelist"),
        {"action": action, "_selected_action": [intent_id], "next": page, **fields},
    )


def test_the_dashboard_shows_each_queue_in_order_with_why_each_intent_waits(ops, seeded):
    response = ops.get(reverse("admin:index"))
    assert response.status_code == 200
    content = response.content.decode()
    sections = [section.title for section in response.context["sections"]]
    assert sections == [
        "Merge queue",
        "Reviews",
        "Intake",
        "Queue locks",
        "Latest operator events",
    ]
    queue = response.context["sections"][0].context["queues"][0]
    assert (queue["repository"], queue["target"], queue["depth"]) == ("shop", "main", 3)
    reasons = {row["intent"].pk: (row["kind"], row["reason"]) for row in queue["intents"]}
    assert reasons == {
        "blocked-1": ("conflict", CONFLICT),
        "waiting-1": ("dependency", "waits for blocked-1"),
        "reviewed-1": ("review hold", reasons["reviewed-1"][1]),
    }
    assert [row["intent"].pk for row in queue["intents"]][0] == "blocked-1"  # priority 1
    assert content.count("<svg") >= 2 and 'http-equiv="refresh"' in content
    assert "gone-host:4242:abcd1234" in content and "(expired)" in content
    behind = ops.get(queue["url"])  # each number links to the list behind it
    assert behind.status_code == 200 and behind.context["cl"].result_count == 3
    overdue = ops.get(response.context["sections"][1].context["overdue_url"])
    assert overdue.status_code == 200


def test_the_intent_page_explains_the_last_decision_and_lists_its_events(ops, seeded):
    response = ops.get(reverse("admin:intents_intent_change", args=["blocked-1"]))
    content = response.content.decode()
    assert CONFLICT in content and "app/config.py" in content
    gates = response.context["gates"]
    assert [(g["gate"], g["passed"]) for g in gates] == [("containment", False), ("entropy", True)]
    assert "containment 0.31 &lt; 0.50" in content
    offered = {name for name, _ in response.context["actions"]}
    assert {"validate", "requeue", "set_priority", "reject", "request_review"} <= offered
    assert 'id="intent-timeline"' in content


def test_rejecting_from_the_intent_page_asks_a_reason_and_comes_back(ops, seeded):
    asked = _act(ops, "reject", "blocked-1")
    assert asked.status_code == 200 and b'name="reason"' in asked.content
    assert Intent.objects.get(pk="blocked-1").status == "READY"
    done = _act(ops, "reject", "blocked-1", confirmed="yes", reason="superseded by #12")
    assert done["Location"] == reverse("admin:intents_intent_change", args=["blocked-1"])
    assert Intent.objects.get(pk="blocked-1").status == "REJECTED"
    event = Event.objects.get(event_type="intent.status_changed", intent_id="blocked-1")
    assert (event.agent_id, event.payload["reason"]) == ("admin:ops", "superseded by #12")
    page = ops.get(done["Location"])
    assert b"superseded by #12" in page.content  # the timeline shows the payload


def test_priority_review_request_and_hold_release_go_through_the_services(ops, seeded):
    _act(ops, "set_priority", "waiting-1", priority="1")
    assert Intent.objects.get(pk="waiting-1").priority == 1
    _act(ops, "request_review", "blocked-1")
    assert ReviewTask.objects.filter(intent_id="blocked-1", status="pending").exists()
    asked = _act(ops, "release_review_hold", "reviewed-1")
    assert b'name="reason"' in asked.content
    _act(ops, "release_review_hold", "reviewed-1", confirmed="yes", reason="reviewed offline")
    task = ReviewTask.objects.get(pk=seeded.review.pk)
    assert (task.status, task.decided_by) == ("cancelled", "admin:ops")
    actors = set(
        Event.objects.filter(
            event_type__in=["intent.updated", "review.requested", "review.cancelled"]
        ).values_list("agent_id", flat=True)
    )
    assert actors == {"admin:ops"}


def test_a_repository_edit_is_an_event_and_nothing_is_deleted(ops, seeded):
    url = reverse("admin:intents_repository_change", args=[seeded.repository.pk])
    ops.post(url, {"name": "shop-eu", "default_branch": "trunk"})
    repository = Repository.objects.get(pk=seeded.repository.pk)
    assert (repository.name, repository.default_branch) == ("shop-eu", "trunk")
    event = Event.objects.get(event_type="repository.updated")
    assert event.agent_id == "admin:ops"
    assert event.payload["changes"]["default_branch"] == {"from": "main", "to": "trunk"}
    for name, pk in (
        ("intents_intent", "blocked-1"),
        ("intents_tenantriskpolicy", 1),
        ("access_apikey", seeded.key.pk),
        ("intents_repository", seeded.repository.pk),
    ):
        assert ops.post(
            reverse(f"admin:{name}_delete", args=[pk]), {"post": "yes"}
        ).status_code in (
            403,
            404,
        )
    assert Intent.objects.filter(pk="blocked-1").exists()


def test_the_operator_events_panel_and_the_event_list(ops, seeded):
    _act(ops, "set_priority", "waiting-1", priority="2")
    dashboard = ops.get(reverse("admin:index"))
    assert b"admin:ops" in dashboard.content and b"intent.updated" in dashboard.content
    events = ops.get(reverse("admin:ledger_event_changelist"), {"actor": "operators"})
    shown = [event.event_type for event in events.context["cl"].result_list]
    assert shown == ["intent.updated"]
    assert b'href="/admin/intents/intent/waiting-1/change/"' in events.content


def test_worker_noise_is_hidden_from_the_event_list_unless_asked(ops, seeded):
    from ledger.append import event_append

    event_append(event_type="worker.started")
    listed = ops.get(reverse("admin:ledger_event_changelist"))
    assert "worker.started" not in {e.event_type for e in listed.context["cl"].result_list}
    everything = ops.get(reverse("admin:ledger_event_changelist"), {"noise": "all"})
    assert "worker.started" in {e.event_type for e in everything.context["cl"].result_list}


def test_review_overdue_is_shown_only_for_open_tasks_past_their_deadline(ops, seeded):
    from datetime import timedelta

    from django.utils import timezone

    ReviewTask.objects.filter(pk=seeded.review.pk).update(
        sla_deadline=timezone.now() - timedelta(hours=1)
    )
    listed = ops.get(reverse("admin:reviews_reviewtask_changelist"))
    assert b'class="sla-overdue"' in listed.content
    ReviewTask.objects.filter(pk=seeded.review.pk).update(
        sla_deadline=timezone.now() + timedelta(hours=1)
    )
    listed = ops.get(reverse("admin:reviews_reviewtask_changelist"))
    assert b'class="sla-overdue"' not in listed.content and b'class="sla-ok"' in listed.content


def test_console_errors_are_html_and_the_api_keeps_its_envelope(ops, seeded):
    missing = ops.get("/admin/no-such-page/")
    assert missing.status_code == 404 and missing["Content-Type"].startswith("text/html")
    assert ops.get("/v1/no-such-route").json()["error"]["code"] == "http_404"
    viewer()
    client = Client()
    client.login(username="viewer", password=PASSWORD)
    refused = client.post(
        reverse("admin:flags_flagoverride_toggle"), {"flag": "x", "operation": "enable"}
    )
    assert refused.status_code == 403 and b"403 Forbidden" in refused.content


def test_signed_in_staff_are_not_rate_limited_and_view_site_is_the_dashboard(ops, seeded, settings):
    settings.CONVERGE_RATE_LIMIT_RPM = 3
    for _ in range(6):
        assert ops.get(reverse("admin:intents_intent_changelist")).status_code == 200
    page = ops.get(reverse("admin:intents_intent_changelist"))
    assert b'<a href="/admin/">View site</a>' in page.content
    anonymous = Client()
    statuses = [anonymous.get("/admin/login/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = anonymous.get("/admin/login/")
    assert limited["Content-Type"].startswith("text/html") and b"429" in limited.content


def broken_section(*, permissions: frozenset[str]) -> None:
    raise RuntimeError("a panel failed")


def test_a_server_error_in_the_console_is_an_html_page(seeded, settings):
    from intents.hooks import _load

    operator()
    client = Client(raise_request_exception=False)
    client.login(username="ops", password=PASSWORD)
    settings.CONVERGE_DASHBOARD_SECTIONS = ["tests.test_console_pages.broken_section"]
    _load.cache_clear()
    try:
        response = client.get(reverse("admin:index"))
    finally:
        _load.cache_clear()
    assert response.status_code == 500
    assert (
        response["Content-Type"].startswith("text/html") and b"500 Server error" in response.content
    )


def test_the_intent_list_is_the_active_queue_with_why_each_intent_waits(ops, seeded):
    from intents.tests.factories import IntentFactory

    IntentFactory(id="merged-1", repository=seeded.repository, status="MERGED")
    response = ops.get(reverse("admin:intents_intent_changelist"))
    rows = [intent.pk for intent in response.context["cl"].result_list]
    assert rows == ["blocked-1", "waiting-1", "reviewed-1"]  # active only, in queue order
    content = response.content.decode()
    assert f"conflict: {CONFLICT}" in content
    assert "dependency: waits for blocked-1" in content and "review hold: " in content
    everything = ops.get(reverse("admin:intents_intent_changelist"), {"lifecycle": "all"})
    assert "merged-1" in {intent.pk for intent in everything.context["cl"].result_list}
