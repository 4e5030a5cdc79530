"""Delivering to a real local HTTP server: signed, one attempt at a time, recorded with the URL
redacted."""

import hashlib
import hmac
import json

import pytest

from ledger.models import Event
from notifications.delivery import DeliveryRetry, deliver, retry_countdown
from notifications.signing import redact_url
from notifications.tests.server import recording_server


@pytest.fixture(autouse=True)
def fast_retries(settings, tmp_path):
    settings.CONVERGE_WEBHOOK_BACKOFF = (0.0,)
    settings.CONVERGE_HOME = tmp_path
    settings.CONVERGE_WEBHOOK_SECRET = "s3cret"


def _sent():
    return list(
        Event.objects.filter(event_type__startswith="notification.").values_list(
            "event_type", "payload"
        )
    )


def test_a_delivery_is_signed_with_and_without_the_timestamp(db, settings):
    with recording_server() as server:
        settings.CONVERGE_WEBHOOK_URL = f"{server.url}/hook?token=abc"
        result = deliver(
            channel="default",
            event_type="review.requested",
            payload={"task_id": "rev-1"},
            timestamp="2026-03-02T12:00:00.000000+00:00",
            intent_id="i-1",
        )
    assert (result.delivered, result.status_code, result.attempts) == (True, 200, 1)
    request = server.received[0]
    assert request.path == "/hook?token=abc"
    assert request.json == {
        "event_type": "review.requested",
        "payload": {"task_id": "rev-1"},
        "timestamp": "2026-03-02T12:00:00.000000+00:00",
    }
    legacy = hmac.new(b"s3cret", request.body, hashlib.sha256).hexdigest()
    assert request.headers["x-converge-signature"] == f"sha256={legacy}"
    stamp = request.headers["x-converge-timestamp"]
    signed = hmac.new(b"s3cret", stamp.encode() + b"." + request.body, hashlib.sha256).hexdigest()
    assert request.headers["x-converge-signature-v2"] == f"sha256={signed}"
    assert request.headers["content-type"] == "application/json"
    assert _sent() == [
        (
            "notification.sent",
            {
                "channel": "default",
                "event_type": "review.requested",
                "url": f"{server.url}/hook?***",
                "status_code": 200,
                "attempts": 1,
            },
        )
    ]
    assert Event.objects.get(event_type="notification.sent").intent_id == "i-1"


def test_a_transport_failure_before_the_last_attempt_asks_for_a_retry(db, settings):
    with recording_server(statuses=[503]) as server:
        settings.CONVERGE_WEBHOOK_URL = server.url
        with pytest.raises(DeliveryRetry, match="HTTP 503"):
            deliver(channel="default", event_type="e.x", payload={}, timestamp="t")
    assert len(server.received) == 1 and _sent() == []


def test_the_last_attempt_records_the_failure(db, settings):
    settings.CONVERGE_WEBHOOK_URL = "http://127.0.0.1:9/never"
    result = deliver(channel="default", event_type="e.x", payload={}, timestamp="t", attempt=2)
    assert (result.delivered, result.status_code, result.attempts) == (False, None, 2)
    assert _sent()[0][0] == "notification.failed"
    assert _sent()[0][1]["attempts"] == 2


def test_a_refusal_by_the_receiver_is_not_retried(db, settings):
    with recording_server(statuses=[410]) as server:
        settings.CONVERGE_WEBHOOK_URL = server.url
        result = deliver(channel="default", event_type="e.x", payload={}, timestamp="t")
    assert (result.delivered, result.status_code, result.attempts) == (False, 410, 1)
    assert _sent() == [
        (
            "notification.failed",
            {
                "channel": "default",
                "event_type": "e.x",
                "url": server.url,
                "status_code": 410,
                "error": "HTTP 410",
                "attempts": 1,
            },
        )
    ]


def test_a_delivery_id_is_sent_once_and_travels_as_a_header(db, settings):
    with recording_server() as server:
        settings.CONVERGE_WEBHOOK_URL = server.url
        first = deliver(
            channel="default", event_type="e.x", payload={}, timestamp="t", delivery_id="ntf-1"
        )
        again = deliver(
            channel="default", event_type="e.x", payload={}, timestamp="t", delivery_id="ntf-1"
        )
    assert (first.delivered, again.delivered, again.attempts) == (True, True, 0)
    assert [r.headers["x-converge-delivery"] for r in server.received] == ["ntf-1"]
    assert _sent()[0][1]["delivery_id"] == "ntf-1"


def test_the_backoff_follows_the_setting_and_its_last_value_repeats(settings):
    settings.CONVERGE_WEBHOOK_BACKOFF = (1.0, 5.0)
    assert [retry_countdown(attempt) for attempt in (1, 2, 3)] == [1.0, 5.0, 5.0]


def test_channels_come_from_notifications_json_with_fallback_to_default(db, settings, tmp_path):
    settings.CONVERGE_WEBHOOK_URL = ""
    with recording_server() as escalations, recording_server() as default:
        (tmp_path / "notifications.json").write_text(
            json.dumps({"webhooks": {"escalations": escalations.url, "default": default.url}})
        )
        deliver(channel="escalations", event_type="review.escalated", payload={}, timestamp="t")
        deliver(channel="intake", event_type="intake.mode_changed", payload={}, timestamp="t")
    assert [r.json["event_type"] for r in escalations.received] == ["review.escalated"]
    assert [r.json["event_type"] for r in default.received] == ["intake.mode_changed"]


def test_without_any_target_nothing_is_sent_or_recorded(db, settings):
    settings.CONVERGE_WEBHOOK_URL = ""
    result = deliver(channel="default", event_type="e.x", payload={}, timestamp="t")
    assert (result.delivered, result.attempts) == (False, 0)
    assert _sent() == []


def test_recorded_urls_carry_no_credentials_or_query():
    assert redact_url("https://user:pw@hooks.example.com:8443/a/b?token=x#f") == (
        "https://***@hooks.example.com:8443/a/b?***"
    )
    assert redact_url("https://hooks.example.com/a") == "https://hooks.example.com/a"
