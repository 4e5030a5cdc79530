"""Runbook "Pre-PR Evaluation Harness": the draft example evaluates in shadow mode, and in
enforce mode a near-duplicate of a queued intent with a thin description is refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import TENANT, api_client
from intents.services import intent_override_status
from intents.tests.factories import create_intent
from ledger.selectors import latest_payload
from semantic.index import index_one
from tests.runbook import runbook_env, runbook_line

DRAFT = {
    "source": "feature/x",
    "target": "main",
    "risk_level": "medium",
    "semantic": {
        "problem_statement": "Authentication flow lacks refresh token support",
        "objective": "Add refresh token lifecycle handling",
    },
}
EVALUATE = """converge --db $CONVERGE_DB_PATH harness evaluate \\
  --file /tmp/draft-intent.json --mode shadow"""


@pytest.fixture(autouse=True)
def deployment(monkeypatch, tmp_path, repository):
    runbook_env(monkeypatch, tmp_path)


@pytest.fixture
def draft_file(tmp_path):
    def write(data: dict) -> str:
        path = tmp_path / "draft-intent.json"
        path.write_text(json.dumps(data))
        return str(path)

    return write


def _queued(repository, intent_id: str, semantic: dict, **fields) -> None:
    create_intent(repository, intent_id, semantic=semantic, **fields)
    intent_override_status(intent_id=intent_id, status="QUEUED", actor="tester")
    index_one(intent_id=intent_id, actor="tester")


def test_the_runbook_draft_evaluates_in_shadow_mode(cli):
    # the runbook's heredoc
    Path("/tmp/draft-intent.json").write_text(json.dumps(DRAFT, indent=2))

    result = runbook_line(cli, EVALUATE)

    assert result.exit_code == 0
    evaluation = result.json
    assert (evaluation["mode"], evaluation["passed"]) == ("shadow", True)
    assert evaluation["signals"] == {"max_similarity": 0.0, "description_quality": 0.767}
    assert evaluation["score"] == 0.883
    assert evaluation["similar_intents"] == []
    recorded = latest_payload(event_type="intent.pre_evaluated")
    assert (recorded["score"], recorded["mode"], recorded["similar_count"]) == (0.883, "shadow", 0)


def test_a_thin_near_duplicate_of_a_queued_intent_is_refused_in_enforce_mode(
    cli, draft_file, repository
):
    thin = {"objective": "refresh tokens"}
    _queued(repository, "queued-1", thin, source="feature/tokens")
    path = draft_file({"source": "feature/tokens", "target": "main", "semantic": thin})

    shadow = cli("harness", "evaluate", "--file", path, "--mode", "shadow")
    enforce = cli("harness", "evaluate", "--file", path, "--mode", "enforce")

    assert shadow.exit_code == 0 and shadow.json["passed"] is True
    evaluation = enforce.json
    assert enforce.exit_code == 2
    assert evaluation["passed"] is False and evaluation["score"] < 0.5
    assert evaluation["similar_intents"][0]["intent_id"] == "queued-1"
    assert evaluation["signals"]["max_similarity"] > 0.8
    assert any("Very similar intent found (queued-1" in r for r in evaluation["recommendations"])


def test_only_active_intents_of_the_same_tenant_and_target_count(cli, draft_file, repository):
    semantic = {"objective": "refresh tokens"}
    _queued(repository, "other-tenant", semantic, source="feature/t1", tenant_id="elsewhere")
    _queued(repository, "other-target", semantic, source="feature/t2", target="release")
    _queued(repository, "merged", semantic, source="feature/t3")
    intent_override_status(intent_id="merged", status="MERGED", actor="tester")
    path = draft_file({"source": "feature/t4", "semantic": semantic, "tenant_id": TENANT})

    result = cli("harness", "evaluate", "--file", path, "--mode", "enforce")

    assert result.json["similar_intents"] == []
    assert result.json["signals"]["max_similarity"] == 0.0


def test_the_flag_mode_is_the_default_and_off_means_disabled(cli, draft_file, monkeypatch):
    path = draft_file(DRAFT)
    monkeypatch.setenv("CONVERGE_FF_PRE_EVAL_HARNESS_MODE", "enforce")

    enforced = cli("harness", "evaluate", "--file", path)
    monkeypatch.setenv("CONVERGE_FF_PRE_EVAL_HARNESS", "0")
    disabled = cli("harness", "evaluate", "--file", path)

    assert enforced.json["mode"] == "enforce"
    assert disabled.json == {"status": "disabled", "message": "pre_eval_harness flag is disabled"}


def test_the_api_evaluates_a_draft_with_a_viewer_key(api_key, repository):
    _queued(
        repository, "api-dup", {"objective": "refresh tokens"}, source="feature/a", tenant_id=TENANT
    )

    response = api_client(api_key("viewer")).post(
        "/v1/intents/evaluate",
        {"mode": "enforce", "source": "feature/a", "semantic": {"objective": "refresh tokens"}},
        format="json",
    )

    assert response.status_code == 200
    body = response.json()
    assert body["mode"] == "enforce" and body["passed"] is False
    assert [item["intent_id"] for item in body["similar_intents"]] == ["api-dup"]
