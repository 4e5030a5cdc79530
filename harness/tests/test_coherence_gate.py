"""The coherence gate in every policy evaluation, with the profile's thresholds."""

from __future__ import annotations

import json

import pytest

from conftest import git
from harness.coherence import coherence_init, harness_path, harness_write
from intents.tests.factories import create_intent
from intents.validation import ValidationOptions, intent_validate
from ledger.selectors import latest_payload
from reviews.models import ReviewTask


@pytest.fixture(autouse=True)
def home(settings, tmp_path):
    settings.CONVERGE_HOME = tmp_path / "home"


@pytest.fixture
def validate(django_capture_on_commit_callbacks):
    """Validate with the after-decision hooks run, as after a real commit."""

    def run(intent_id: str, **options) -> dict:
        with django_capture_on_commit_callbacks(execute=True):
            return intent_validate(
                intent_id=intent_id, options=ValidationOptions(skip_checks=True, **options)
            )

    return run


def _question(qid: str, check: str, assertion: str, severity: str = "high") -> dict:
    return {
        "id": qid,
        "question": qid,
        "check": check,
        "assertion": assertion,
        "severity": severity,
    }


def _branch(git_repo, name: str, files: dict[str, str]) -> None:
    git(git_repo, "checkout", "-q", "-b", name)
    for path, text in files.items():
        target = git_repo / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
        git(git_repo, "add", path)
    git(git_repo, "commit", "-q", "-m", name)
    git(git_repo, "checkout", "-q", "main")


def _coherence(decision: dict) -> dict:
    policy = latest_payload(event_type="policy.evaluated", intent_id=decision["intent_id"])
    return next(gate for gate in policy["gates"] if gate["gate"] == "coherence")


def test_without_a_harness_the_gate_passes_with_score_100(repository, git_repo, validate):
    _branch(git_repo, "feature/a", {"src/app.py": "A = 1\n"})
    create_intent(repository, "coh-none", source="feature/a")

    decision = validate("coh-none")

    gate = _coherence(decision)
    assert (gate["passed"], gate["value"]) == (True, 100.0)
    assert gate["reason"] == "Coherence score 100.0 (pass threshold=75) (no harness configured)"
    assert latest_payload(event_type="coherence.evaluated") is None


def test_questions_run_in_the_merged_tree_and_are_recorded(repository, git_repo, validate):
    harness_write(
        {
            "version": "1.1.0",
            "questions": [
                _question("q-has-app", "find src -name app.py | wc -l", "result == 1"),
                _question("q-todo", "grep -r TODO src | wc -l", "result == 0", "medium"),
            ],
        }
    )
    _branch(git_repo, "feature/b", {"src/app.py": "A = 1  # TODO\n"})
    create_intent(repository, "coh-warn", source="feature/b")

    decision = validate("coh-warn")

    gate = _coherence(decision)
    assert (gate["passed"], gate["value"], gate.get("warn")) == (True, 90.0, None)
    evaluated = latest_payload(event_type="coherence.evaluated", intent_id="coh-warn")
    assert evaluated["coherence_score"] == 90.0
    assert evaluated["failed_questions"] == ["q-todo"]


def test_a_critical_score_in_the_warn_zone_passes_and_asks_for_a_review(
    repository, git_repo, validate
):
    harness_write(
        {
            "version": "1.1.0",
            "questions": [
                _question("q-c", "find src -name missing.py | wc -l", "result == 1", "critical"),
            ],
        }
    )
    _branch(git_repo, "feature/c", {"src/app.py": "A = 1\n"})
    create_intent(repository, "coh-crit", source="feature/c", risk_level="critical")

    decision = validate("coh-crit")

    gate = _coherence(decision)
    assert gate["passed"] is True and gate["warn"] is True  # 70: critical's warn zone 70-85
    assert gate["reason"] == "Coherence score 70.0 (warn zone: 70-85)"
    evaluated = latest_payload(event_type="coherence.evaluated", intent_id="coh-crit")
    assert evaluated["verdict"] == "warn"
    assert ReviewTask.objects.filter(intent_id="coh-crit", trigger="coherence").exists()


def test_a_critical_score_below_its_warn_threshold_is_a_fail_and_blocks(
    repository, git_repo, validate
):
    # 60 would be "warn" with the global 75/60: the critical profile's 85/70 make it a fail
    harness_write(
        {
            "version": "1.1.0",
            "questions": [
                _question("q-c", "find src -name missing.py | wc -l", "result == 1", "critical"),
                _question("q-m", "find src -name other.py | wc -l", "result == 1", "medium"),
            ],
        }
    )
    _branch(git_repo, "feature/c2", {"src/app.py": "A = 1\n"})
    create_intent(repository, "coh-crit2", source="feature/c2", risk_level="critical")

    decision = validate("coh-crit2")

    assert decision["decision"] == "blocked"
    assert "Coherence score 60.0 below warn threshold 70" in decision["reason"]
    evaluated = latest_payload(event_type="coherence.evaluated", intent_id="coh-crit2")
    assert evaluated["verdict"] == "fail"


def test_a_failing_verdict_blocks_the_intent(repository, git_repo, validate):
    harness_write(
        {
            "version": "1.1.0",
            "questions": [
                _question("q-1", "find nothing-here -name x | wc -l", "result == 1", "critical"),
                _question("q-2", "exit 3", "result == 0", "high"),
            ],
        }
    )
    _branch(git_repo, "feature/d", {"src/app.py": "A = 1\n"})
    create_intent(repository, "coh-fail", source="feature/d")

    decision = validate("coh-fail")

    assert decision["decision"] == "blocked"
    assert "coherence" in decision["reason"]
    assert "Coherence score 50.0 below warn threshold 60" in decision["reason"]


def test_a_dry_run_writes_no_coherence_event(repository, git_repo, validate):
    coherence_init()
    assert json.loads(harness_path().read_text())["version"] == "1.1.0"
    _branch(git_repo, "feature/e", {"src/app.py": "A = 1\n"})
    create_intent(repository, "coh-dry", source="feature/e")

    validate("coh-dry", dry_run=True)

    assert latest_payload(event_type="coherence.evaluated") is None


def test_an_invalid_harness_fails_the_gate(repository, git_repo, validate):
    harness_path().parent.mkdir(parents=True, exist_ok=True)
    harness_path().write_text('{"questions": [{"id": "q", "severity": "low"}]}')
    _branch(git_repo, "feature/f", {"src/app.py": "A = 1\n"})
    create_intent(repository, "coh-bad", source="feature/f")

    decision = validate("coh-bad")

    assert decision["decision"] == "blocked"
    assert "Coherence harness invalid" in decision["reason"]


def test_editing_the_harness_or_its_baselines_changes_the_decision_inputs(repository):
    from harness.coherence import coherence_baseline
    from harness.gates import coherence_inputs

    create_intent(repository, "coh-in", source="feature/in")
    assert coherence_inputs(["coh-in"]) == {}
    coherence_init()
    first = coherence_inputs(["coh-in"])["coh-in"]
    coherence_baseline()
    second = coherence_inputs(["coh-in"])["coh-in"]

    assert first != second
