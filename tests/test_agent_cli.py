"""As a new user: ``converge agent`` denies an ATL 1 agent merging a high-risk intent with the
reason, and with ``code_ownership`` on an author approving their own review is refused."""

from __future__ import annotations

from intents.tests.factories import IntentFactory
from ledger.tests.factories import events


def test_an_atl_1_agent_cannot_merge_a_high_risk_intent(cli):
    IntentFactory(id="big", risk_level="high")
    events("risk.evaluated", [{"risk_score": 70.0, "damage_score": 40.0}], intent_id="big")

    policy = cli(
        "agent",
        "policy-set",
        "--agent-id",
        "bot",
        "--atl",
        "1",
        "--allow-actions",
        "analyze,validate",
    )
    got = cli("agent", "policy-get", "--agent-id", "bot")
    listed = cli("agent", "policy-list")
    answer = cli(
        "agent",
        "authorize",
        "--agent-id",
        "bot",
        "--action",
        "merge",
        "--intent-id",
        "big",
        "--human-approvals",
        "2",
    )

    assert policy.exit_code == 0 and got.json["atl"] == 1
    assert [p["agent_id"] for p in listed.json] == ["bot"]
    result = answer.json
    assert answer.exit_code == 0 and result["allowed"] is False
    assert "Action 'merge' exceeds ATL 1 (allows: ['analyze', 'validate'])" in result["reasons"]
    assert "Action 'merge' not in allowed actions: ['analyze', 'validate']" in result["reasons"]
    assert result["human_approvals"] == 0
    assert result["warnings"][0]["code"] == "human_approvals_ignored"


def test_an_author_approving_their_own_review_is_refused(cli, monkeypatch, settings):
    # in this process the settings were read once: ``--actor`` is set as the CLI would
    # have it in a fresh process
    monkeypatch.setenv("CONVERGE_FF_CODE_OWNERSHIP", "1")
    IntentFactory(id="mine", created_by="alice")
    task = cli("review", "request", "--intent-id", "mine").json["id"]

    settings.CONVERGE_ACTOR = "alice"
    refused = cli("review", "complete", "--task-id", task, "--resolution", "approved")
    settings.CONVERGE_ACTOR = "bob"
    accepted = cli("review", "complete", "--task-id", task, "--resolution", "approved")

    assert refused.exit_code == 2
    assert "alice is the author of intent mine and cannot complete its review" in refused.stderr
    assert refused.json["error"]["code"] == "separation_of_duties"
    assert accepted.exit_code == 0 and accepted.json["status"] == "completed"


def test_a_bad_boolean_is_refused_with_exit_2(cli):
    result = cli("agent", "policy-set", "--agent-id", "bot", "--require-human-approval", "maybe")

    assert result.exit_code == 2
