"""Safe merge: commit-tree plus a compare-and-swap on the target ref."""

from __future__ import annotations

from pathlib import Path

import pytest

from converge_core.errors import InvalidInput, OperationFailed
from converge_core.git import GitRepository, InvalidRef, TargetMoved
from converge_core.tests.gitrepo import GitRepo, record_git_calls

TEXT = "one\ntwo\nthree\n"


def _bare(tmp_path: Path) -> tuple[GitRepo, str]:
    repo = GitRepo.create(tmp_path / "mirror.git", bare=True)
    base = repo.commit("main", {"a.txt": TEXT, "b.txt": TEXT})
    repo.commit("feature", {"b.txt": TEXT + "four\n"}, start=base)
    repo.commit("main", {"a.txt": "changed\n"})
    return repo, base


def test_bare_repository_merge(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = record_git_calls(monkeypatch, tmp_path)
    repo, _ = _bare(tmp_path)
    git = GitRepository(repo.path)
    sim = git.simulate("feature", "main")
    calls.clear()

    new = git.merge_simulation(sim)

    assert calls.commands() == ["worktree", "commit-tree", "update-ref"]
    assert repo.rev("main") == new
    assert repo.parents(new) == [sim.target_sha, sim.source_sha]
    assert repo.git("rev-parse", f"{new}^{{tree}}").strip() == sim.tree_sha
    assert repo.files("main") == {"a.txt": "changed\n", "b.txt": TEXT + "four\n"}
    assert repo.git("log", "-1", "--format=%s|%an <%ae>|%cn <%ce>", new).strip() == (
        "converge: merge feature into main|Converge <converge@localhost>|"
        "Converge <converge@localhost>"
    )
    assert repo.git("reflog", "-1", "--format=%gs", "main").strip() == (
        "converge: merge feature into main"
    )


def test_merge_with_explicit_message_and_committer(tmp_path: Path) -> None:
    repo, _ = _bare(tmp_path)
    git = GitRepository(repo.path, committer_name="Merge Bot", committer_email="bot@example.com")
    sim = git.simulate("feature", "main")

    new = git.merge(sim.source_sha, "main", sim.target_sha, sim.tree_sha, "custom message")

    assert repo.git("log", "-1", "--format=%B|%cn <%ce>", new).strip() == (
        "custom message\n|Merge Bot <bot@example.com>"
    )


def test_default_message_without_a_source_name_uses_the_sha(tmp_path: Path) -> None:
    repo, _ = _bare(tmp_path)
    git = GitRepository(repo.path)
    sim = git.simulate("feature", "main")

    new = git.merge(sim.source_sha, "main", sim.target_sha, sim.tree_sha)

    assert repo.git("log", "-1", "--format=%s", new).strip() == (
        f"converge: merge {sim.source_sha} into main"
    )


def test_cas_failure_when_the_target_moved_changes_nothing(tmp_path: Path) -> None:
    repo, _ = _bare(tmp_path)
    git = GitRepository(repo.path)
    sim = git.simulate("feature", "main")
    moved = repo.commit("main", {"c.txt": "someone else\n"})

    with pytest.raises(TargetMoved) as caught:
        git.merge_simulation(sim)

    assert isinstance(caught.value, OperationFailed)
    assert caught.value.exit_code == 1
    assert caught.value.current == moved
    assert caught.value.expected == sim.target_sha
    assert caught.value.message == (
        f"main moved to {moved} (expected {sim.target_sha}); nothing was merged"
    )
    assert repo.rev("main") == moved


def test_conflicted_simulation_is_never_merged(tmp_path: Path) -> None:
    repo = GitRepo.create(tmp_path / "mirror.git", bare=True)
    base = repo.commit("main", {"a.txt": TEXT})
    repo.commit("feature", {"a.txt": "feature\n"}, start=base)
    head = repo.commit("main", {"a.txt": "main\n"})
    git = GitRepository(repo.path)
    sim = git.simulate("feature", "main")

    with pytest.raises(InvalidInput, match="feature does not merge cleanly into main"):
        git.merge_simulation(sim)

    assert repo.rev("main") == head


def test_merge_validates_its_inputs(tmp_path: Path) -> None:
    repo, _ = _bare(tmp_path)
    git = GitRepository(repo.path)
    sim = git.simulate("feature", "main")

    with pytest.raises(InvalidRef, match="invalid branch name '-main'"):
        git.merge(sim.source_sha, "-main", sim.target_sha, sim.tree_sha)
    with pytest.raises(InvalidRef, match="tree_sha must be a full object id"):
        git.merge(sim.source_sha, "main", sim.target_sha, "HEAD^{tree}")
    assert repo.rev("main") == sim.target_sha


def test_merge_into_a_work_tree_repository_whose_target_is_not_checked_out(
    tmp_path: Path,
) -> None:
    repo = GitRepo.create(tmp_path / "repo")
    base = repo.commit("main", {"a.txt": TEXT})
    repo.commit("release", {"r.txt": "r\n"}, start=base)
    repo.commit("feature", {"f.txt": "f\n"}, start=base)
    git = GitRepository(repo.path)

    new = git.merge_simulation(git.simulate("feature", "release"))

    assert repo.rev("release") == new
    assert repo.files("release") == {"a.txt": TEXT, "r.txt": "r\n", "f.txt": "f\n"}
    assert repo.status() == ""
    assert sorted(p.name for p in repo.path.iterdir()) == [".git", "a.txt"]
