"""The console shows the mode in force per tenant and changes it, with a reason, through the
service."""

from django.urls import reverse

from insights.tests.factories import TenantComplianceThresholdsFactory
from intake.models import IntakeOverride
from intake.tests.factories import IntakeOverrideFactory
from intents.tests.factories import IntentFactory
from ledger.models import Event

CHANGELIST = "admin:intake_intakeoverride_changelist"
SET_MODE = "admin:intake_intakeoverride_set_mode"


def test_every_tenant_is_listed_with_its_mode(admin_client, db):
    IntentFactory(tenant_id="acme")
    IntakeOverrideFactory(tenant_id="beta", mode="pause", reason="incident")
    response = admin_client.get(reverse(CHANGELIST))
    assert response.status_code == 200
    rows = [
        (row["tenant_id"], row["mode"], row["manual_override"]) for row in response.context["rows"]
    ]
    assert rows == [(None, "open", False), ("acme", "open", False), ("beta", "pause", True)]
    assert response.content.count(b'class="intake-row"') == 3
    assert b"incident" in response.content


def test_a_mode_change_needs_a_reason_and_goes_through_the_service(admin_client, db):
    response = admin_client.post(reverse(SET_MODE), {"mode": "pause"}, follow=True)
    assert b"Mode not changed: reason: This field is required." in response.content
    assert not IntakeOverride.objects.exists()

    response = admin_client.post(
        reverse(SET_MODE),
        {"tenant_id": "acme", "mode": "throttle", "reason": "backlog"},
        follow=True,
    )
    assert b"Intake of acme set to throttle." in response.content
    row = IntakeOverride.objects.get()
    assert (row.tenant_id, row.mode, row.reason, row.set_by) == (
        "acme",
        "throttle",
        "backlog",
        "admin:admin",
    )
    admin_client.post(reverse(SET_MODE), {"tenant_id": "acme", "mode": "auto", "reason": "done"})
    assert not IntakeOverride.objects.exists()
    assert Event.objects.filter(event_type="intake.mode_changed").count() == 2
    assert admin_client.get(reverse(SET_MODE)).status_code == 405


def test_compliance_thresholds_are_listed_read_only(admin_client, db):
    TenantComplianceThresholdsFactory(tenant_id="acme")
    response = admin_client.get(reverse("admin:insights_tenantcompliancethresholds_changelist"))
    assert response.status_code == 200 and b"acme" in response.content
    assert (
        admin_client.get(reverse("admin:insights_tenantcompliancethresholds_add")).status_code
        == 403
    )
