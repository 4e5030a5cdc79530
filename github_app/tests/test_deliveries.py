"""A delivery keeps its processing state: lost work is done again on redelivery or by the sweep;
a completed delivery is acknowledged with no side effect."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from github_app.models import WebhookDelivery
from github_app.tasks import github_sweep_task
from github_app.tests.conftest import FULL_NAME, pr_payload
from intents.models import Intent


def _payload(remote) -> dict:
    head = remote.push_branch("feature/widget", {"widget.py": "WIDGET = 1\n"})
    return pr_payload("opened", number=7, head_ref="feature/widget", head_sha=head, remote=remote)


def test_a_failed_delivery_is_processed_again_on_redelivery(db, github, remote, deliver):
    payload = _payload(remote)
    broken = {**payload, "repository": {**payload["repository"], "clone_url": "/nowhere.git"}}

    deliver("pull_request", broken, delivery_id="d-1")

    delivery = WebhookDelivery.objects.get(delivery_id="d-1")
    assert delivery.status == "failed"
    assert "fetching" in delivery.last_error or "listing" in delivery.last_error
    assert not Intent.objects.exists()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(payload=payload)  # GitHub healed

    response = deliver("pull_request", payload, delivery_id="d-1")

    assert response.json()["duplicate"] is True
    assert WebhookDelivery.objects.get(delivery_id="d-1").status == "completed"
    assert Intent.objects.get(pk=f"{FULL_NAME}:pr-7").status == "VALIDATED"


def test_the_sweep_processes_a_delivery_whose_task_was_lost(
    db, github, remote, client, django_capture_on_commit_callbacks
):
    payload = _payload(remote)
    WebhookDelivery.objects.create(
        delivery_id="lost-1",
        event="pull_request",
        action="opened",
        payload=payload,
        received_at=timezone.now() - timedelta(minutes=5),
    )

    with django_capture_on_commit_callbacks(execute=True):
        swept = github_sweep_task.delay().get()

    assert swept["deliveries"] == 1
    assert WebhookDelivery.objects.get(delivery_id="lost-1").status == "completed"
    assert Intent.objects.filter(pk=f"{FULL_NAME}:pr-7").exists()


def test_the_sweep_forgets_completed_deliveries_after_90_days(db, github):
    old = timezone.now() - timedelta(days=91)
    WebhookDelivery.objects.create(
        delivery_id="old", event="ping", status="completed", received_at=old
    )
    WebhookDelivery.objects.create(delivery_id="recent", event="ping", status="completed")

    swept = github_sweep_task.delay().get()

    assert swept["pruned"] == 1
    assert list(WebhookDelivery.objects.values_list("delivery_id", flat=True)) == ["recent"]
