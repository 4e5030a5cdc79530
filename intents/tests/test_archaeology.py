import json

import pytest

from converge_core.tests.gitrepo import GitRepo
from intents.archaeology import latest_coupling
from intents.models import ArchaeologySnapshot, CommitLink, Intent
from intents.repositories import repository_resolve
from intents.tests.factories import create_intent
from intents.validation import intent_validate
from ledger.append import event_append
from ledger.models import Event


@pytest.fixture
def repo(tmp_path, settings):
    git = GitRepo.create(tmp_path / "repo")
    for n in range(3):
        git.commit("main", {"src/a.py": f"a{n}\n", "src/b.py": f"b{n}\n"})
    git.commit("main", {"src/c.py": "c\n"})
    settings.CONVERGE_REPO_PATH = str(git.path)
    settings.CONVERGE_HOME = tmp_path / "home"
    return git


def test_report_is_stored_per_repository(cli, repo, tmp_path):
    output = tmp_path / "snap.json"
    result = cli("archaeology", "report", "--write-snapshot", str(output))
    assert result.exit_code == 0
    assert result.json["commits_analyzed"] == 4
    assert result.json["hotspots"][0] == {"file": "src/a.py", "changes": 3}
    assert result.json["coupling"] == [
        {"file_a": "src/a.py", "file_b": "src/b.py", "co_changes": 3, "source": "git-log"}
    ]
    assert json.loads(output.read_text())["bus_factor"] == 1
    snapshot = ArchaeologySnapshot.objects.get()
    assert snapshot.is_valid and snapshot.repository.path == str(repo.path.resolve())
    assert cli("archaeology").json["commits_analyzed"] == 4  # the subcommand is optional


def test_refresh_on_an_empty_history_is_invalid_and_exits_1(cli, tmp_path, settings, db):
    empty = GitRepo.create(tmp_path / "empty")
    settings.CONVERGE_REPO_PATH = str(empty.path)
    settings.CONVERGE_HOME = tmp_path / "home"
    result = cli("archaeology", "refresh")
    assert result.exit_code == 1
    assert result.json["issues"][0] == "Zero commits analyzed"
    assert (tmp_path / "home" / "archaeology_snapshot.json").exists()


def test_validation_reads_coupling_from_the_latest_valid_snapshot(cli, repo):
    repository = repository_resolve(repo.path)
    assert latest_coupling(repository) == ()
    cli("archaeology", "report")
    assert [(c.file_a, c.file_b, c.co_changes) for c in latest_coupling(repository)] == [
        ("src/a.py", "src/b.py", 3)
    ]
    repo.commit("feature/a", {"src/a.py": "changed\n"}, start="main")
    create_intent(repository, "a", source="feature/a")
    intent_validate(intent_id="a")
    risk = Event.objects.get(intent_id="a", event_type="risk.evaluated").payload
    # the coupled file is pulled into the graph: 3 nodes of the change + b.py
    assert risk["graph_metrics"]["nodes"] == 5


def test_archaeology_enhanced_flag_switches_linked_pairs(cli, repo, monkeypatch):
    repository = repository_resolve(repo.path)
    for name in ("x", "y"):
        create_intent(repository, name, source=f"feature/{name}")
        event_append(
            event_type="simulation.completed",
            intent_id=name,
            payload={"files_changed": ["docs/p.md", "docs/q.md"], "mergeable": True},
        )
        Intent.objects.filter(pk=name).update(status="MERGED")
        CommitLink.objects.create(
            intent_id=name,
            repo="r",
            sha=f"{name * 40}"[:40],
            role="merge",
            observed_at="2026-01-01T00:00:00Z",
        )
    enhanced = cli("archaeology", "report").json["coupling"]
    assert {
        "file_a": "docs/p.md",
        "file_b": "docs/q.md",
        "co_changes": 2,
        "source": "linked-history",
    } in enhanced
    monkeypatch.setenv("CONVERGE_FF_ARCHAEOLOGY_ENHANCED", "0")
    plain = cli("archaeology", "report").json["coupling"]
    assert all(pair["source"] == "git-log" for pair in plain)
