import json

import pytest

from converge_core.errors import Conflict
from converge_core.git import UnknownRef
from converge_core.tests.gitrepo import GitRepo
from intents.models import CommitLink, Intent
from intents.repositories import repository_resolve
from intents.services import intent_override_status
from intents.tests.factories import create_intent
from intents.validation import ValidationOptions, intent_validate
from ledger.models import Event


@pytest.fixture
def repo(tmp_path, settings):
    git = GitRepo.create(tmp_path / "repo")
    git.commit("main", {"src/app/config.py": "TIMEOUT = 30\n", "README.md": "demo\n"})
    settings.CONVERGE_REPO_PATH = str(git.path)
    settings.CONVERGE_HOME = tmp_path / "home"
    return git


@pytest.fixture
def repository(db, repo):
    return repository_resolve(repo.path)


def _types(intent_id):
    return list(
        Event.objects.filter(intent_id=intent_id)
        .order_by("seq")
        .values_list("event_type", flat=True)
    )


def test_a_clean_change_validates_with_one_trace(repo, repository):
    repo.commit("feature/docs", {"docs/usage.md": "# Usage\n"}, start="main")
    create_intent(repository, "docs", source="feature/docs")

    decision = intent_validate(intent_id="docs")

    assert decision["decision"] == "validated"
    assert decision["simulation"]["mergeable"] is True
    assert decision["simulation"]["files_changed"] == ["docs/usage.md"]
    assert decision["simulation"]["source_sha"] == repo.rev("feature/docs")
    assert decision["policy"]["verdict"] == "ALLOW"
    assert Intent.objects.get(pk="docs").status == "VALIDATED"
    assert _types("docs") == [
        "intake.accepted",
        "intent.created",
        "simulation.completed",
        "risk.evaluated",
        "check.completed",
        "policy.evaluated",
        "intent.validated",
    ]
    traces = set(
        Event.objects.filter(intent_id="docs")
        .exclude(event_type__in=("intake.accepted", "intent.created"))
        .values_list("trace_id", flat=True)
    )
    assert traces == {decision["trace_id"]}
    roles = set(CommitLink.objects.filter(intent_id="docs").values_list("role", "sha"))
    assert roles == {("head", repo.rev("feature/docs")), ("base", repo.rev("main"))}


def test_default_checks_are_not_configured_a_warning_and_unverified(repo, repository):
    repo.commit("feature/x", {"src/app/x.py": "x = 1\n"}, start="main")
    create_intent(repository, "x", source="feature/x")
    decision = intent_validate(intent_id="x")
    assert decision["decision"] == "validated"
    assert {
        "code": "verification_gate_warning",
        "message": "Checks not configured: ['lint']",
    } in decision["warnings"]
    check = Event.objects.get(intent_id="x", event_type="check.completed").payload
    assert check["status"] == "not_configured" and check["passed"] is False
    assert Intent.objects.get(pk="x").unverified_checks == ["lint"]


def test_a_conflict_with_the_target_blocks_naming_the_files(repo, repository):
    repo.commit("feature/t", {"src/app/config.py": "TIMEOUT = 60\n"}, start="main")
    repo.commit("main", {"src/app/config.py": "TIMEOUT = 10\n"})
    create_intent(repository, "t", source="feature/t")

    decision = intent_validate(intent_id="t")

    assert decision["decision"] == "blocked"
    assert decision["reason"] == "Merge conflicts: src/app/config.py"
    assert decision["simulation"]["conflicts"] == ["src/app/config.py"]
    intent = Intent.objects.get(pk="t")
    assert (intent.status, intent.retries) == ("READY", 0)
    assert _types("t")[-1] == "intent.blocked"


def test_an_unknown_source_is_a_clear_error_not_a_conflict(repo, repository):
    create_intent(repository, "ghost", source="feature/never-pushed")
    with pytest.raises(UnknownRef, match="feature/never-pushed"):
        intent_validate(intent_id="ghost")
    assert _types("ghost") == ["intake.accepted", "intent.created"]


def test_checks_run_in_the_merged_tree(repo, repository, settings, tmp_path):
    policy = tmp_path / "policy.json"
    policy.write_text(
        json.dumps(
            {
                "checks": {
                    "lint": ["test", "-f", "docs/usage.md"],
                    "unit_tests": ["sh", "-c", "grep -q 'TIMEOUT = 30' src/app/config.py"],
                },
                "profiles": {
                    "medium": {"checks": ["lint", "unit_tests"]},
                    "high": {"checks": ["lint", "unit_tests"]},
                    "critical": {"checks": ["lint", "unit_tests"]},
                },
            }
        )
    )
    settings.CONVERGE_POLICY_PATH = str(policy)
    repo.commit("feature/docs", {"docs/usage.md": "# Usage\n"}, start="main")
    create_intent(repository, "docs", source="feature/docs")

    decision = intent_validate(intent_id="docs")

    assert decision["decision"] == "validated"
    checks = [
        e.payload
        for e in Event.objects.filter(intent_id="docs", event_type="check.completed").order_by(
            "seq"
        )
    ]
    assert [(c["check_type"], c["status"]) for c in checks] == [
        ("lint", "passed"),
        ("unit_tests", "passed"),
    ]
    assert all(c["duration_ms"] >= 0 for c in checks)
    assert Intent.objects.get(pk="docs").unverified_checks == []


def test_a_failing_check_blocks_with_its_output(repo, repository, settings, tmp_path):
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps({"checks": {"lint": ["sh", "-c", "echo bad style >&2; exit 3"]}}))
    settings.CONVERGE_POLICY_PATH = str(policy)
    repo.commit("feature/x", {"src/app/x.py": "x = 1\n"}, start="main")
    create_intent(repository, "x", source="feature/x")

    decision = intent_validate(intent_id="x")

    assert decision["decision"] == "blocked"
    assert decision["reason"] == "Checks failed: ['lint']"
    assert decision["checks"][0]["details"] == "bad style\n"
    assert decision["checks"][0]["exit_code"] == 3


def test_a_check_that_hangs_times_out(repo, repository, settings, tmp_path):
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps({"checks": {"lint": ["sleep", "5"]}}))
    settings.CONVERGE_POLICY_PATH = str(policy)
    settings.CONVERGE_CHECK_TIMEOUT = 0.2
    repo.commit("feature/x", {"src/app/x.py": "x = 1\n"}, start="main")
    create_intent(repository, "x", source="feature/x")
    decision = intent_validate(intent_id="x")
    assert decision["reason"] == "Checks failed: ['lint']"
    assert decision["checks"][0]["status"] == "timeout"


def test_missing_checks_block_mode(repo, repository, settings, tmp_path):
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps({"missing_checks": "block"}))
    settings.CONVERGE_POLICY_PATH = str(policy)
    repo.commit("feature/x", {"src/app/x.py": "x = 1\n"}, start="main")
    create_intent(repository, "x", source="feature/x")
    decision = intent_validate(intent_id="x")
    assert decision["reason"] == (
        "Policy blocked: gates ['verification']: Missing checks: ['lint'] "
        "(not configured: ['lint'])"
    )
    gates = {g["gate"]: g for g in decision["policy"]["gates"]}
    assert gates["verification"]["reason"] == "Missing checks: ['lint'] (not configured: ['lint'])"


def test_skip_checks_records_them_unverified(repo, repository):
    repo.commit("feature/x", {"src/app/x.py": "x = 1\n"}, start="main")
    create_intent(repository, "x", source="feature/x")
    decision = intent_validate(intent_id="x", options=ValidationOptions(skip_checks=True))
    assert decision["decision"] == "validated"
    assert "check.completed" not in _types("x")
    assert Intent.objects.get(pk="x").unverified_checks == ["lint"]


def test_last_simulation_is_reused_only_while_both_shas_hold(repo, repository):
    repo.commit("feature/x", {"src/app/x.py": "x = 1\n"}, start="main")
    create_intent(repository, "x", source="feature/x")
    none_yet = intent_validate(intent_id="x", options=ValidationOptions(use_last_simulation=True))
    assert none_yet["reason"] == "No previous simulation found"

    intent_validate(intent_id="x")
    reused = intent_validate(intent_id="x", options=ValidationOptions(use_last_simulation=True))
    assert _types("x").count("simulation.completed") == 1 and reused["warnings"] == [
        w for w in reused["warnings"] if w["code"] != "simulation_stale"
    ]

    repo.commit("main", {"README.md": "moved\n"})
    stale = intent_validate(intent_id="x", options=ValidationOptions(use_last_simulation=True))
    assert _types("x").count("simulation.completed") == 2
    assert any(w["code"] == "simulation_stale" for w in stale["warnings"])


def test_policy_eval_is_a_dry_run(repo, repository):
    repo.commit("feature/x", {"src/app/x.py": "x = 1\n"}, start="main")
    create_intent(repository, "x", source="feature/x")
    before = Event.objects.count()
    decision = intent_validate(intent_id="x", options=ValidationOptions(dry_run=True))
    assert decision["decision"] == "validated" and decision["dry_run"] is True
    assert Event.objects.count() == before
    assert Intent.objects.get(pk="x").status == "READY"
    assert not CommitLink.objects.exists()


def test_finished_intents_are_not_validated(repo, repository):
    create_intent(repository, "x", source="main")
    intent_override_status(intent_id="x", status="MERGED", actor="root")
    with pytest.raises(Conflict, match="finished intents are not validated"):
        intent_validate(intent_id="x")


def test_source_override_is_saved_before_the_run(repo, repository):
    repo.commit("feature/y", {"src/app/y.py": "y = 1\n"}, start="main")
    create_intent(repository, "x", source="feature/old")
    decision = intent_validate(intent_id="x", options=ValidationOptions(source="feature/y"))
    assert decision["decision"] == "validated"
    assert Intent.objects.get(pk="x").source == "feature/y"
    update = Event.objects.get(intent_id="x", event_type="intent.updated")
    assert update.payload["changes"] == {"source": {"from": "feature/old", "to": "feature/y"}}
