from django.urls import reverse

from access.models import ApiKey
from access.services import api_key_create
from ledger.models import Event


def test_keys_are_listed_by_prefix_without_their_hash(admin_client, db):
    key, raw = api_key_create(role="operator", actor="alice", tenant="team-a")
    response = admin_client.get(reverse("admin:access_apikey_changelist"))
    assert response.status_code == 200
    assert key.key_prefix.encode() in response.content
    assert key.key_hash.encode() not in response.content and raw.encode() not in response.content
    detail = admin_client.get(reverse("admin:access_apikey_change", args=[key.pk]))
    assert key.key_hash.encode() not in detail.content


def test_the_revoke_action_asks_for_a_reason_and_records_it(admin_client, db):
    key, _ = api_key_create(role="viewer", actor="bob")
    url = reverse("admin:access_apikey_changelist")
    asked = admin_client.post(url, {"action": "revoke", "_selected_action": [key.pk]})
    assert asked.status_code == 200 and b'name="reason"' in asked.content
    assert ApiKey.objects.get(pk=key.pk).revoked_at is None
    response = admin_client.post(
        url,
        {"action": "revoke", "_selected_action": [key.pk], "confirmed": "yes", "reason": "leak"},
        follow=True,
    )
    assert response.status_code == 200
    assert ApiKey.objects.get(pk=key.pk).revoked_at is not None
    assert b"Revoked 1 key(s)" in response.content
    event = Event.objects.get(event_type="access.key_revoked")
    assert (event.agent_id, event.payload["reason"], event.payload["key_actor"]) == (
        "admin:admin",
        "leak",
        "bob",
    )
