"""The console shows deliveries, installations, repositories and check-runs, read-only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from github_app.models import WebhookDelivery
from github_app.tests.conftest import FULL_NAME, pr_payload

MODELS = ["installation", "githubrepository", "webhookdelivery", "checkrun"]


def test_every_table_is_listed_after_a_pull_request(admin_client, db, github, remote, deliver):
    head = remote.push_branch("feature/widget", {"widget.py": "WIDGET = 1\n"})
    deliver(
        "pull_request",
        pr_payload("opened", number=7, head_ref="feature/widget", head_sha=head, remote=remote),
        delivery_id="admin-1",
    )

    for model in MODELS:
        response = admin_client.get(reverse(f"admin:github_{model}_changelist"))
        assert response.status_code == 200, model
    shown = admin_client.get(reverse("admin:github_checkrun_changelist"), {"q": head})
    assert [row.full_name for row in shown.context["cl"].result_list] == [FULL_NAME]


@pytest.mark.parametrize("model", MODELS)
def test_nothing_can_be_added_or_changed(admin_client, db, model):
    assert admin_client.get(reverse(f"admin:github_{model}_add")).status_code == 403


def test_a_delivery_cannot_be_deleted(admin_client, db):
    delivery = WebhookDelivery.objects.create(delivery_id="d", event="ping")

    response = admin_client.post(
        reverse("admin:github_webhookdelivery_delete", args=[delivery.pk]), {"post": "yes"}
    )

    assert response.status_code == 403
    assert WebhookDelivery.objects.filter(pk=delivery.pk).exists()
