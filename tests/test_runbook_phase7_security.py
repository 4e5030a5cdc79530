"""Runbook phase 7 (security finding triage) and the security incident procedure, line by
line as written, on a real repository with the real scanners (pip-audit offline: its service
is a closed local port, so it reports ``unavailable``)."""

import pytest

from intents.tests.factories import create_intent
from ledger.models import Event
from security.tests.helpers import LEAK, SECRET, commit_branch
from tests.runbook import runbook_env, runbook_line


@pytest.fixture(autouse=True)
def deployment(monkeypatch, tmp_path, settings):
    runbook_env(monkeypatch, tmp_path)
    settings.CONVERGE_ACTOR = "oncall"


@pytest.fixture
def leaky(repository, git_repo):
    commit_branch(
        git_repo, "feature/leak", {"app/run.py": LEAK, "requirements.txt": "requests==2.19.0\n"}
    )
    return create_intent(repository, "leaky", source="feature/leak")


def test_trigger_a_scan_then_check_the_security_status(cli, leaky):
    scanned = runbook_line(
        cli, "converge --db $CONVERGE_DB_PATH security scan --intent-id <id>", id="leaky"
    )
    assert scanned.exit_code == 0, scanned.stderr
    summary = scanned.json
    assert (summary["intent_id"], summary["status"], summary["actor"]) == (
        "leaky",
        "completed",
        "oncall",
    )
    statuses = {s["scanner"]: s["status"] for s in summary["scanners"]}
    assert statuses == {
        "bandit": "completed",
        "detect-secrets": "completed",
        "pip-audit": "unavailable",
    }
    assert summary["severity_counts"]["critical"] == 1 and SECRET not in scanned.stdout

    status = runbook_line(cli, "converge --db $CONVERGE_DB_PATH security summary")
    assert status.exit_code == 0
    assert status.json["finding_counts"]["critical"] == 1
    assert [scan["scan_id"] for scan in status.json["recent_scans"]] == [summary["scan_id"]]

    critical = runbook_line(
        cli, "converge --db $CONVERGE_DB_PATH security findings --severity critical"
    )
    assert critical.exit_code == 0
    assert [(f["rule"], f["file"]) for f in critical.json["findings"]] == [
        ("AWS Access Key", "app/run.py")
    ]
    high = runbook_line(cli, "converge --db $CONVERGE_DB_PATH security findings --severity high")
    assert [f["rule"] for f in high.json["findings"]] == ["B602"]


def test_security_incident(cli, leaky, git_repo):
    commit_branch(git_repo, "main", {"ops/deploy.py": LEAK})
    paused = runbook_line(cli, "converge --db $CONVERGE_DB_PATH intake set-mode pause")
    assert paused.exit_code == 0 and paused.json["mode"] == "pause"

    scanned = runbook_line(cli, "converge --db $CONVERGE_DB_PATH security scan")
    assert scanned.exit_code == 0, scanned.stderr
    assert (scanned.json["intent_id"], scanned.json["ref"]) == (None, "main")

    critical = runbook_line(
        cli, "converge --db $CONVERGE_DB_PATH security findings --severity critical"
    )
    assert [(f["file"], f["intent_id"]) for f in critical.json["findings"]] == [
        ("ops/deploy.py", None)
    ]
    assert Event.objects.filter(event_type="security.scan.completed").count() == 1


def test_dismiss_a_finding_and_bad_input(cli, leaky):
    runbook_line(cli, "converge --db $CONVERGE_DB_PATH security scan --intent-id <id>", id="leaky")
    finding = runbook_line(
        cli, "converge --db $CONVERGE_DB_PATH security findings --severity critical"
    ).json["findings"][0]
    dismissed = cli("security", "dismiss", "--finding-id", finding["id"], "--reason", "test key")
    assert dismissed.exit_code == 0
    assert (dismissed.json["status"], dismissed.json["dismissed_by"]) == ("dismissed", "oncall")
    again = cli("security", "dismiss", "--finding-id", finding["id"], "--reason", "again")
    assert again.exit_code == 2 and again.stderr.startswith("error: Finding")

    unknown = runbook_line(
        cli, "converge --db $CONVERGE_DB_PATH security scan --intent-id <id>", id="nope"
    )
    assert (unknown.exit_code, unknown.stderr) == (2, "error: Intent nope not found\n")
    outside = cli("security", "scan", "--path", "../etc")
    assert outside.exit_code == 2 and "inside the repository" in outside.stderr
