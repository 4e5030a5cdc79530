"""Agent policies and ownership rules in the admin console."""

from __future__ import annotations

from django.urls import reverse

from agents.models import AgentPolicyRecord
from ledger.selectors import latest_payload


def test_saving_a_policy_in_the_admin_goes_through_the_service(admin_client, db):
    for name in ("agents_agentpolicyrecord", "agents_ownershiprules"):
        assert admin_client.get(reverse(f"admin:{name}_changelist")).status_code == 200
    response = admin_client.post(
        reverse("admin:agents_agentpolicyrecord_add"),
        {
            "agent_id": "bot",
            "tenant_key": "",
            "atl": "2",
            "max_risk_score": "40",
            "max_blast_severity": "medium",
            "min_test_coverage": "0",
            "require_compliance_pass": "on",
            "require_human_approval": "on",
            "allow_actions": '["analyze", "queue"]',
            "action_overrides": "{}",
        },
    )

    errors = response.context["adminform"].form.errors if response.status_code == 200 else {}
    assert response.status_code == 302, errors
    stored = AgentPolicyRecord.objects.get(agent_id="bot")
    assert (stored.atl, stored.allow_actions) == (2, ["analyze", "queue"])
    assert latest_payload(event_type="agent.policy_updated")["updated_by"] == "admin"
