import pytest

from flags.api.serializers import FlagSerializer
from flags.models import FlagOverride
from flags.selectors import flag_state
from ledger.models import Event


@pytest.fixture(autouse=True)
def home(settings, tmp_path):
    settings.CONVERGE_HOME = tmp_path


def _changes():
    return list(
        Event.objects.filter(event_type="feature_flag.changed")
        .order_by("seq")
        .values_list("agent_id", "payload")
    )


def test_the_list_is_sorted_and_shows_each_source(db, api_viewer):
    flags = api_viewer.get("/v1/flags").json()["flags"]
    assert [flag["name"] for flag in flags] == sorted(flag["name"] for flag in flags)
    notifications = next(flag for flag in flags if flag["name"] == "notifications")
    assert notifications == {
        "name": "notifications",
        "enabled": False,
        "description": "Outbound webhook notifications",
        "source": "default",
        "mode": "shadow",
    }
    assert "mode" not in next(flag for flag in flags if flag["name"] == "audit_chain")
    assert list(FlagSerializer().fields) == list(notifications)


def test_an_admin_overrides_a_flag_and_the_change_is_recorded(db, api_admin):
    response = api_admin.post("/v1/flags/intake_control", {"enabled": False}, format="json")
    assert response.status_code == 200
    assert response.json() == {
        "name": "intake_control",
        "enabled": False,
        "description": "Adaptive intake throttling",
        "source": "api",
    }
    assert flag_state("intake_control").enabled is False
    assert _changes() == [
        ("admin-bot", {"flag": "intake_control", "enabled": False, "mode": ""}),
    ]


def test_a_mode_alone_keeps_the_enabled_state(db, api_admin):
    response = api_admin.post("/v1/flags/semantic_conflicts", {"mode": "enforce"}, format="json")
    assert (response.json()["enabled"], response.json()["mode"]) == (True, "enforce")
    row = FlagOverride.objects.get(pk="semantic_conflicts")
    assert (row.enabled, row.mode, row.set_by) == (None, "enforce", "admin-bot")


def test_delete_removes_the_override(db, api_admin, monkeypatch):
    monkeypatch.setenv("CONVERGE_FF_NOTIFICATIONS", "1")
    api_admin.post("/v1/flags/notifications", {"enabled": False}, format="json")
    response = api_admin.delete("/v1/flags/notifications")
    assert response.status_code == 200
    assert (response.json()["enabled"], response.json()["source"]) == (True, "env")
    assert not FlagOverride.objects.exists()
    assert [payload["enabled"] for _, payload in _changes()] == [False, True]
    again = api_admin.delete("/v1/flags/notifications")
    assert again.status_code == 200 and len(_changes()) == 2


def test_unknown_flags_and_bad_bodies_change_nothing(db, api_admin):
    unknown = api_admin.post("/v1/flags/nope", {"enabled": True}, format="json")
    assert unknown.status_code == 404
    assert unknown.json()["error"] == {
        "code": "http_404",
        "message": "Unknown flag: nope",
        "flag": "nope",
    }
    assert api_admin.delete("/v1/flags/nope").status_code == 404
    for body in ({}, {"enabled": "perhaps"}, {"mode": "loud"}):
        response = api_admin.post("/v1/flags/notifications", body, format="json")
        assert response.status_code == 400, body
        assert response.json()["error"]["code"] == "validation_error"
    assert not FlagOverride.objects.exists() and _changes() == []


def test_with_auth_off_the_runbook_toggle_works_without_a_key(db, api_anonymous, settings):
    settings.CONVERGE_AUTH_REQUIRED = False
    response = api_anonymous.post("/api/flags/security_adapters", {"enabled": False}, format="json")
    assert response.status_code == 200 and response.json()["source"] == "api"
    assert _changes() == [
        ("anonymous", {"flag": "security_adapters", "enabled": False, "mode": ""})
    ]
