"""The console lists every flag with its state and toggles them through the services."""

from django.urls import reverse

from flags.selectors import flag_state
from ledger.models import Event

CHANGELIST = "admin:flags_flagoverride_changelist"
TOGGLE = "admin:flags_flagoverride_toggle"


def test_every_flag_is_listed_with_enabled_mode_and_source(admin_client, monkeypatch):
    monkeypatch.setenv("CONVERGE_FF_CODE_OWNERSHIP", "1")
    response = admin_client.get(reverse(CHANGELIST))
    assert response.status_code == 200
    assert response.content.count(b'class="flag-row"') == 19
    rows = {row["state"].name: row["state"] for row in response.context["rows"]}
    assert (rows["code_ownership"].enabled, rows["code_ownership"].source) == (True, "env")
    assert rows["notifications"].mode == "shadow"


def test_toggle_actions_call_the_services_and_report(admin_client):
    response = admin_client.post(
        reverse(TOGGLE), {"flag": "notifications", "operation": "enable"}, follow=True
    )
    assert b"Notifications: enabled, mode shadow (source api)" in response.content
    admin_client.post(
        reverse(TOGGLE), {"flag": "notifications", "operation": "mode", "mode": "enforce"}
    )
    assert flag_state("notifications").mode == "enforce"
    asked = admin_client.post(reverse(TOGGLE), {"flag": "audit_chain", "operation": "disable"})
    assert b'name="reason"' in asked.content and flag_state("audit_chain").enabled is True
    admin_client.post(
        reverse(TOGGLE),
        {"flag": "audit_chain", "operation": "disable", "confirmed": "yes", "reason": "noisy"},
    )
    assert flag_state("audit_chain").enabled is False
    admin_client.post(
        reverse(TOGGLE),
        {"flag": "audit_chain", "operation": "clear", "confirmed": "yes", "reason": "done"},
    )
    assert flag_state("audit_chain").source == "default"
    changes = Event.objects.filter(event_type="feature_flag.changed")
    assert changes.count() == 4
    assert set(changes.values_list("agent_id", flat=True)) == {"admin:admin"}
    assert [c.payload.get("reason") for c in changes.order_by("seq")] == [
        None,
        None,
        "noisy",
        "done",
    ]


def test_a_bad_toggle_is_reported_and_changes_nothing(admin_client):
    response = admin_client.post(
        reverse(TOGGLE), {"flag": "notifications", "operation": "mode", "mode": "loud"}, follow=True
    )
    assert b"invalid mode" in response.content
    assert flag_state("notifications").source == "default"
    assert not Event.objects.filter(event_type="feature_flag.changed").exists()
    assert admin_client.get(reverse(TOGGLE)).status_code == 405
