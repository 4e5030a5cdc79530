"""Runbook "Coherence Harness Operations": every line runs as written."""

from __future__ import annotations

import json

import pytest

from conftest import git
from harness.coherence import harness_path
from intents.tests.factories import IntentFactory
from ledger.tests.factories import events
from tests.runbook import runbook_env, runbook_line

INIT = "converge --db $CONVERGE_DB_PATH coherence init"
LIST = "converge --db $CONVERGE_DB_PATH coherence list"
RUN = "converge --db $CONVERGE_DB_PATH coherence run"
BASELINE = "converge --db $CONVERGE_DB_PATH coherence baseline"
SUGGEST = "converge --db $CONVERGE_DB_PATH coherence suggest --lookback-days 90"
ACCEPT = "converge --db $CONVERGE_DB_PATH coherence accept --suggestion-id <id>"


@pytest.fixture(autouse=True)
def deployment(monkeypatch, tmp_path, settings, git_repo):
    runbook_env(monkeypatch, tmp_path)
    settings.CONVERGE_HOME = tmp_path / "home"
    for n in range(3):
        (git_repo / "tests").mkdir(exist_ok=True)
        (git_repo / "tests" / f"test_{n}.py").write_text("def test(): pass\n")
    (git_repo / "src").mkdir()
    (git_repo / "src" / "app.py").write_text("# TODO one\n")
    git(git_repo, "add", ".")
    git(git_repo, "commit", "-q", "-m", "layout")


def test_init_creates_the_template_once(cli):
    created = runbook_line(cli, INIT)
    again = runbook_line(cli, INIT)

    assert created.exit_code == 0
    assert created.json == {"status": "created", "path": str(harness_path()), "questions": 5}
    assert again.json["status"] == "exists"
    document = json.loads(harness_path().read_text())
    assert [q["id"] for q in document["questions"]][:3] == [
        "q-test-count",
        "q-no-fixme-growth",
        "q-no-large-files",
    ]


def test_list_run_and_baseline_against_the_current_state(cli, git_repo):
    assert runbook_line(cli, RUN).json["status"] == "no_questions"
    assert runbook_line(cli, BASELINE).json["status"] == "no_questions"
    runbook_line(cli, INIT)

    first = runbook_line(cli, RUN).json
    baseline = runbook_line(cli, BASELINE).json
    (git_repo / "tests" / "test_0.py").unlink()  # one test file fewer than the baseline
    after = runbook_line(cli, RUN).json
    listed = runbook_line(cli, LIST).json

    assert (first["coherence_score"], first["verdict"]) == (100.0, "pass")
    assert baseline["status"] == "updated"
    assert baseline["baselines"]["q-test-count"] == 3.0
    assert baseline["baselines"]["q-no-fixme-growth"] == 1.0
    assert (after["coherence_score"], after["verdict"]) == (80.0, "pass")
    failed = [r["question_id"] for r in after["results"] if r["verdict"] == "fail"]
    assert failed == ["q-test-count"]
    assert listed["version"] == "1.1.0"
    assert listed["baselines"]["q-test-count"] == 3.0
    assert listed["questions"][0]["baseline"] == 3.0


def test_suggest_from_failures_and_accept_one(cli):
    for n in range(3):
        IntentFactory(id=f"fail-{n}")
        events(
            "simulation.completed",
            [{"mergeable": True, "files_changed": ["billing/a.py", "billing/b.py"]}],
            intent_id=f"fail-{n}",
        )
        events("intent.rejected", [{"reason": "x"}], intent_id=f"fail-{n}")

    suggested = runbook_line(cli, SUGGEST)
    repeated = runbook_line(cli, SUGGEST)
    (suggestion,) = suggested.json["suggestions"]
    accepted = runbook_line(cli, ACCEPT, id=suggestion["suggestion_id"])

    assert suggested.exit_code == 0
    assert (suggestion["type"], suggestion["failures"]) == ("module_failure_pattern", 3)
    assert suggestion["suggested_question"]["id"] == "q-module-billing"
    assert (suggested.json["emitted"], repeated.json["emitted"]) == (1, 0)
    assert repeated.json["suggestions"][0]["suggestion_id"] == suggestion["suggestion_id"]
    assert accepted.exit_code == 0 and accepted.json["status"] == "accepted"
    document = json.loads(harness_path().read_text())
    assert document["version"] == "1.0.0"
    assert [q["id"] for q in document["questions"]] == ["q-module-billing"]


def test_suggest_is_off_with_its_flag(cli, monkeypatch):
    monkeypatch.setenv("CONVERGE_FF_COHERENCE_FEEDBACK", "0")

    result = runbook_line(cli, SUGGEST)

    assert result.json == {"status": "disabled", "message": "coherence_feedback flag is disabled"}


def test_accepting_an_unknown_suggestion_exits_2(cli):
    result = runbook_line(cli, ACCEPT, id="sug-000000000000")

    assert result.exit_code == 2
    assert "Suggestion not found" in result.stderr
