"""Agent authorization: fail closed, ATL as a ceiling, approvals counted from reviews."""

from __future__ import annotations

import pytest

from agents.services import agent_authorize, agent_policy_set
from conftest import TENANT, api_client
from intents.tests.factories import IntentFactory
from ledger.selectors import latest_payload
from ledger.tests.factories import events
from reviews.services import review_complete, review_request

pytestmark = pytest.mark.django_db


def _evaluated(intent_id: str, *, risk_score: float, damage: float = 10.0, **fields) -> None:
    IntentFactory(id=intent_id, **fields)
    events(
        "risk.evaluated",
        [{"risk_score": risk_score, "damage_score": damage}],
        intent_id=intent_id,
        tenant_id=fields.get("tenant_id"),
    )


def _policy(agent_id: str, **fields) -> None:
    agent_policy_set(
        data={"agent_id": agent_id, "require_compliance_pass": False, **fields}, actor="admin"
    )


def test_an_atl_1_agent_asking_to_merge_a_high_risk_intent_is_denied_with_reasons():
    _evaluated("risky", risk_score=72.0, damage=55.0, risk_level="high")
    _policy("bot", atl=1, allow_actions=["analyze", "validate", "merge"])

    result = agent_authorize(agent_id="bot", action="merge", intent_id="risky")

    assert result["allowed"] is False
    assert result["denied_by"] == ["atl", "risk_score", "blast_severity", "human_approval"]
    assert "Action 'merge' exceeds ATL 1 (allows: ['analyze', 'validate'])" in result["reasons"]
    assert "Risk score 72 > agent limit 30.0" in result["reasons"]
    assert latest_payload(event_type="agent.authorized")["allowed"] is False


def test_an_unknown_intent_or_one_never_evaluated_is_denied():
    IntentFactory(id="fresh")
    _policy("bot", atl=3, allow_actions=["analyze"], require_human_approval=False)

    unknown = agent_authorize(agent_id="bot", action="analyze", intent_id="nope")
    fresh = agent_authorize(agent_id="bot", action="analyze", intent_id="fresh")

    assert unknown["denied_by"] == ["intent"]
    assert unknown["reasons"] == ["Intent not found: nope"]
    assert fresh["denied_by"] == ["risk_evaluation"]


def test_approvals_come_from_completed_reviews_not_from_the_caller():
    _evaluated("calm", risk_score=10.0)
    _policy("bot", atl=2, allow_actions=["analyze", "queue"])

    claimed = agent_authorize(agent_id="bot", action="queue", intent_id="calm", human_approvals=5)
    by_agent = review_request(intent_id="calm", actor="ops")
    review_complete(task_id=by_agent.id, resolution="approved", actor="bot")
    still = agent_authorize(agent_id="bot", action="queue", intent_id="calm")
    by_human = review_request(intent_id="calm", actor="ops", force=True)
    review_complete(task_id=by_human.id, resolution="approved", actor="alice")
    approved = agent_authorize(agent_id="bot", action="queue", intent_id="calm")

    assert claimed["allowed"] is False and claimed["human_approvals"] == 0
    assert claimed["warnings"][0]["code"] == "human_approvals_ignored"
    assert still["allowed"] is False  # the agent's own approval does not count
    assert approved["allowed"] is True
    assert approved["approvers"] == ["alice"]


def test_a_critical_intent_needs_two_distinct_approvers():
    _evaluated("crit", risk_score=10.0, risk_level="critical")
    _policy("bot", atl=3, allow_actions=["merge"])
    for reviewer in ("alice", "alice"):
        task = review_request(intent_id="crit", actor="ops", force=True)
        review_complete(task_id=task.id, resolution="approved", actor=reviewer)

    result = agent_authorize(agent_id="bot", action="merge", intent_id="crit")

    assert result["reasons"] == ["Critical risk requires 2 approvals, got 1"]


def test_an_expired_policy_without_offset_is_read_as_utc():
    _evaluated("old", risk_score=1.0)
    _policy("bot", atl=0, expires_at="2020-01-01T00:00:00", require_human_approval=False)

    result = agent_authorize(agent_id="bot", action="analyze", intent_id="old")

    assert result["reasons"] == ["Policy expired at 2020-01-01T00:00:00+00:00"]


def test_the_api_requires_admin_to_set_a_policy_and_scopes_authorize_to_the_tenant(api_key):
    _evaluated("mine", risk_score=1.0, tenant_id="other")
    viewer, admin = api_key("viewer"), api_key("admin", tenant=TENANT)

    refused = api_client(viewer).post("/v1/agent/policy", {"agent_id": "bot"}, format="json")
    stored = api_client(admin).post(
        "/v1/agent/policy", {"agent_id": "bot", "atl": 2}, format="json"
    )
    listed = api_client(viewer).get("/v1/agent/policy")
    answer = api_client(admin).post(
        "/v1/agent/authorize",
        {"agent_id": "bot", "action": "analyze", "intent_id": "mine"},
        format="json",
    )

    assert refused.status_code == 403
    assert stored.status_code == 200 and stored.json()["tenant_id"] == TENANT
    assert [p["agent_id"] for p in listed.json()] == ["bot"]
    assert answer.status_code == 200
    assert answer.json()["denied_by"][0] == "intent"  # another tenant's intent: unknown
