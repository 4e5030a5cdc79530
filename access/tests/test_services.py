from datetime import timedelta

from django.utils import timezone

from access.models import ApiKey
from access.selectors import api_key_authenticate
from access.services import api_key_create, api_key_revoke, api_keys_seed
from conftest import TENANT, api_client
from ledger.models import Event


def test_only_a_keyed_hash_and_a_prefix_are_stored(db):
    key, raw = api_key_create(role="viewer", actor="bob")
    assert len(raw) >= 43 and key.key_prefix == raw[:4]
    stored = ApiKey.objects.filter(pk=key.pk).values().get()
    assert raw not in {str(value) for value in stored.values()}
    assert api_key_authenticate(raw) == key
    assert api_key_authenticate(raw + "x") is None


def test_seeding_is_insert_only_by_hash(db):
    entries = "seed-admin-key:admin:ops,seed-viewer-key:viewer:bob:team-a:queue.read"
    assert api_keys_seed(entries=entries) == {"configured": 2, "inserted": 2, "existing": 0}
    viewer = ApiKey.objects.get(actor="bob")
    assert (viewer.tenant, viewer.scopes, viewer.source) == ("team-a", ["queue.read"], "env")
    api_key_revoke(key_id=viewer.pk, actor="admin:ops")
    admin = ApiKey.objects.get(actor="ops")
    ApiKey.objects.filter(pk=admin.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    # a restart with the same environment: both keys stay exactly as they are (dead)
    assert api_keys_seed(entries=entries) == {"configured": 2, "inserted": 0, "existing": 2}
    assert ApiKey.objects.count() == 2
    assert api_key_authenticate("seed-viewer-key") is None
    assert api_key_authenticate("seed-admin-key") is None


def test_env_keys_are_seeded_on_first_use(db, settings):
    settings.CONVERGE_API_KEYS = "first-use-key:viewer:carol:team-z"
    response = api_client("first-use-key").get("/v1/auth/whoami")
    assert response.json() == {
        "role": "viewer",
        "actor": "carol",
        "tenant": "team-z",
        "scopes": None,
        "key_prefix": "firs",
    }


def _rotate(raw, **body):
    return api_client(raw).post("/v1/auth/keys/rotate", body, format="json")


def test_rotation_keeps_both_keys_during_the_grace_period_then_only_the_new_one(db):
    old, old_raw = api_key_create(role="admin", actor="ops", tenant=TENANT, scopes=["*"])
    response = _rotate(old_raw, grace_period_seconds=120)
    assert response.status_code == 200
    body = response.json()
    new_raw = body.pop("new_key")
    assert body["grace_period_seconds"] == 120
    assert (body["actor"], body["role"], body["tenant"], body["scopes"]) == (
        "ops",
        "admin",
        TENANT,
        ["*"],
    )
    old.refresh_from_db()
    assert timedelta(seconds=110) < old.expires_at - timezone.now() <= timedelta(seconds=120)
    event = Event.objects.get(event_type="access.key_rotated")
    assert event.payload["reason"] == "grace_period=120s"
    assert new_raw not in str(event.payload) and old_raw not in str(event.payload)

    # another process (a fresh client, nothing in memory) sees both keys during the grace
    for raw in (old_raw, new_raw):
        assert api_client(raw).get("/v1/auth/whoami").status_code == 200
    # a key already in grace cannot rotate again
    assert _rotate(old_raw).status_code == 401

    # after the grace period (as after a restart): the old key is refused, the new one works
    ApiKey.objects.filter(pk=old.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    refused = api_client(old_raw).get("/v1/auth/whoami")
    assert refused.status_code == 401 and refused["WWW-Authenticate"] == "ApiKey"
    assert api_client(new_raw).get("/v1/auth/whoami").json()["actor"] == "ops"
    assert _rotate(new_raw).status_code == 200


def test_rotation_defaults_to_an_hour_and_checks_the_range(db):
    key, raw = api_key_create(role="admin", actor="ops")
    for bad in (59, 86_401, "soon"):
        assert _rotate(raw, grace_period_seconds=bad).status_code == 400
    assert _rotate(raw).json()["grace_period_seconds"] == 3600
    key.refresh_from_db()
    assert timedelta(minutes=59) < key.expires_at - timezone.now() <= timedelta(hours=1)


def test_a_revoked_key_is_refused_at_once(db):
    key, raw = api_key_create(role="viewer", actor="bob")
    api_key_revoke(key_id=key.pk, actor="admin:ops")
    assert api_client(raw).get("/v1/auth/whoami").status_code == 401
