"""The webhook's guards: signature, configuration, size and shape, each refusing with the error
envelope and storing nothing; unknown events are acknowledged."""

from __future__ import annotations

import json

import pytest

from github_app.models import WebhookDelivery
from github_app.tests.conftest import WEBHOOK, fixture_payload, pr_payload, signed
from intents.models import Intent
from ledger.models import Event


def _nothing_stored() -> None:
    assert WebhookDelivery.objects.count() == 0
    assert Event.objects.count() == 0
    assert Intent.objects.count() == 0


def test_a_bad_signature_is_401_and_stores_nothing(db, github, remote, deliver):
    payload = pr_payload("opened", number=7, head_ref="f", head_sha="a" * 40, remote=remote)

    response = deliver("pull_request", payload, signature="sha256=" + "0" * 64)

    assert response.status_code == 401
    assert response.json() == {
        "error": {"code": "invalid_signature", "message": "Invalid signature"}
    }
    _nothing_stored()
    assert github.requests == []


def test_a_missing_signature_is_401(db, github, remote, deliver):
    response = deliver("ping", fixture_payload("ping.with-app_id"), signature="")

    assert response.status_code == 401
    _nothing_stored()


def test_without_a_secret_deliveries_are_refused(db, github, settings, deliver):
    settings.CONVERGE_GITHUB_WEBHOOK_SECRET = ""

    response = deliver("ping", fixture_payload("ping.with-app_id"), signature="")

    assert response.status_code == 403
    assert response.json()["error"]["message"] == "Webhook signature verification not configured"
    _nothing_stored()


def test_the_development_switch_accepts_unsigned_deliveries(db, github, settings, deliver):
    settings.CONVERGE_GITHUB_WEBHOOK_SECRET = ""
    settings.CONVERGE_GITHUB_WEBHOOK_ALLOW_UNSIGNED = True

    response = deliver("ping", fixture_payload("ping.with-app_id"), signature="")

    assert response.status_code == 200
    assert WebhookDelivery.objects.get().status == "completed"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{not json", "body: JSON decode error"),
        (b"[1, 2]", "body: must be a JSON object"),
    ],
)
def test_malformed_json_is_400_and_stores_nothing(db, github, deliver, body, message):
    response = deliver("pull_request", body)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert response.json()["error"]["message"].startswith(message)
    _nothing_stored()


def test_a_pull_request_without_a_head_sha_is_400(db, github, remote, deliver):
    payload = pr_payload("opened", number=7, head_ref="f", head_sha="a" * 40, remote=remote)
    del payload["pull_request"]["head"]["sha"]

    response = deliver("pull_request", payload)

    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "code": "validation_error",
            "message": "body: pull_request.head.sha must be a 40-digit commit SHA",
        }
    }
    _nothing_stored()


def test_a_body_over_the_limit_is_413(db, github, settings, deliver):
    settings.CONVERGE_WEBHOOK_MAX_BODY_BYTES = 100

    response = deliver("ping", {"zen": "x" * 200})

    assert response.status_code == 413
    _nothing_stored()


def test_an_unhandled_event_is_acknowledged_and_recorded(db, github, deliver):
    payload = fixture_payload("ping.with-app_id")

    response = deliver("ping", payload, delivery_id="ping-1")

    assert response.status_code == 200
    assert response.json()["delivery_id"] == "ping-1"
    received = Event.objects.get(event_type="webhook.received")
    assert received.payload == {"github_event": "ping", "delivery_id": "ping-1", "action": ""}
    assert WebhookDelivery.objects.get().result == {"action": "acknowledged"}


def test_only_post_is_allowed(db, client):
    assert client.get(WEBHOOK).status_code == 405


def test_the_signature_is_checked_over_the_raw_body(db, github, client, remote):
    payload = json.dumps(fixture_payload("ping.with-app_id")).encode()

    response = client.post(
        WEBHOOK,
        data=payload + b" ",
        content_type="application/json",
        HTTP_X_GITHUB_EVENT="ping",
        HTTP_X_HUB_SIGNATURE_256=signed(payload),
    )

    assert response.status_code == 401
