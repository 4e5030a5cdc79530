"""Separation of duties with the ``code_ownership`` flag: an author never completes its own
review, an owner never approves changes to their code, ``strict`` needs an owner per file."""

from __future__ import annotations

import pytest

from agents.services import agent_authorize, agent_policy_set, ownership_set
from converge_core.reviews import SeparationOfDuties
from intents.tests.factories import IntentFactory, RepositoryFactory
from ledger.selectors import latest_payload
from ledger.tests.factories import events
from reviews.services import review_complete, review_request

pytestmark = pytest.mark.django_db

RULES = {"rules": [{"pattern": "src/auth/*", "owners": ["bob"], "team": "security"}]}


@pytest.fixture
def intent(monkeypatch):
    monkeypatch.setenv("CONVERGE_FF_CODE_OWNERSHIP", "1")
    repository = RepositoryFactory()
    intent = IntentFactory(id="sod", repository=repository, created_by="carol")
    events(
        "simulation.completed",
        [{"mergeable": True, "files_changed": ["src/auth/login.py", "docs/readme.md"]}],
        intent_id="sod",
    )
    events("risk.evaluated", [{"risk_score": 1.0, "damage_score": 1.0}], intent_id="sod")
    ownership_set(repository=repository, tenant_id=None, document=RULES, actor="admin")
    return intent


def test_the_author_cannot_complete_its_own_review(intent):
    task = review_request(intent_id="sod", actor="ops")

    with pytest.raises(SeparationOfDuties, match="carol is the author of intent sod"):
        review_complete(task_id=task.id, resolution="approved", actor="carol")

    violation = latest_payload(event_type="policy.sod.violation")
    assert violation["agent_id"] == "carol"


def test_an_owner_cannot_approve_a_change_to_their_code_but_another_reviewer_can(intent):
    task = review_request(intent_id="sod", actor="ops")

    with pytest.raises(SeparationOfDuties, match="bob owns code in touched files"):
        review_complete(task_id=task.id, resolution="approved", actor="bob")
    done = review_complete(task_id=task.id, resolution="approved", actor="dave")

    assert done.status == "completed"
    assert latest_payload(event_type="policy.sod.violation")["files"] == ["src/auth/login.py"]


def test_strict_rules_need_an_owner_for_every_touched_file(intent):
    ownership_set(
        repository=intent.repository,
        tenant_id=None,
        document={**RULES, "strict": True},
        actor="admin",
    )
    task = review_request(intent_id="sod", actor="ops")

    with pytest.raises(SeparationOfDuties, match="without an owner"):
        review_complete(task_id=task.id, resolution="approved", actor="dave")


def test_without_the_flag_nothing_is_checked(intent, monkeypatch):
    monkeypatch.setenv("CONVERGE_FF_CODE_OWNERSHIP", "0")
    task = review_request(intent_id="sod", actor="ops")

    assert review_complete(task_id=task.id, resolution="approved", actor="carol").resolution


def test_authorize_refuses_an_owner_agent_to_merge(intent):
    agent_policy_set(
        data={
            "agent_id": "bob",
            "atl": 3,
            "allow_actions": ["merge"],
            "require_compliance_pass": False,
            "require_human_approval": False,
        },
        actor="admin",
    )

    result = agent_authorize(agent_id="bob", action="merge", intent_id="sod")

    assert result["denied_by"] == ["separation_of_duties"]
    assert result["reasons"] == ["SoD violation: bob owns code in touched files"]
