"""Emergency procedure "Queue overload": pause intake, check debt, process critical intents
only (each once its policy review is approved), then resume through throttle to open."""

import pytest

from converge_core.tests.gitrepo import GitRepo
from intake.selectors import intake_status
from intents.models import Intent
from intents.repositories import repository_resolve
from intents.tests.queue_helpers import validated_intent
from tests.runbook import runbook_env, runbook_line

QUEUE_RUN = "converge --db $CONVERGE_DB_PATH queue run --limit 5 --target main"


@pytest.fixture
def repo(tmp_path, settings):
    git = GitRepo.create(tmp_path / "repo")
    git.commit("main", {"README.md": "demo\n"})
    settings.CONVERGE_REPO_PATH = str(git.path)
    settings.CONVERGE_HOME = tmp_path / "home"  # the default policy: a hotfix fits critical
    return git


def test_queue_overload_procedure(
    cli, db, repo, monkeypatch, tmp_path, django_capture_on_commit_callbacks
):
    runbook_env(monkeypatch, tmp_path)
    repository = repository_resolve(repo.path)

    paused = runbook_line(cli, "converge --db $CONVERGE_DB_PATH intake set-mode pause")
    assert paused.json == {"ok": True, "mode": "pause", "tenant_id": None}
    refused = cli("intent", "create", "--from-branch", "main", "--intent-id", "routine")
    assert refused.exit_code == 2 and refused.json["error"]["mode"] == "pause"

    debt = runbook_line(cli, "converge --db $CONVERGE_DB_PATH verification debt")
    assert debt.exit_code == 0 and debt.json["status"] == "green"

    with django_capture_on_commit_callbacks(execute=True):
        validated_intent(repository, repo, "hotfix", {"fix.py": "x = 1\n"}, risk_level="critical")
    run = runbook_line(cli, QUEUE_RUN)
    assert [(r["intent_id"], r["decision"]) for r in run.json["results"]] == [
        ("hotfix", "review_pending")
    ]
    pending = "converge --db $CONVERGE_DB_PATH review list --status pending"
    [review] = runbook_line(cli, pending).json
    assert (review["intent_id"], review["trigger"]) == ("hotfix", "policy")
    approve = "converge --db $CONVERGE_DB_PATH review complete --task-id <id> --resolution approved"
    assert runbook_line(cli, approve, id=review["id"]).exit_code == 0
    run = runbook_line(cli, QUEUE_RUN)
    assert run.exit_code == 0
    assert [(r["intent_id"], r["decision"]) for r in run.json["results"]] == [("hotfix", "queued")]
    assert Intent.objects.get(pk="hotfix").status == "QUEUED"

    throttled = runbook_line(cli, "converge --db $CONVERGE_DB_PATH intake set-mode throttle")
    assert throttled.json["mode"] == "throttle" and intake_status()["mode"] == "throttle"
    opened = runbook_line(cli, "converge --db $CONVERGE_DB_PATH intake set-mode open")
    assert opened.json["mode"] == "open"
    assert cli("intent", "create", "--from-branch", "main", "--intent-id", "routine").exit_code == 0
