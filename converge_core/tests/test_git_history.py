"""History, diffs between commits and the git version gate."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from converge_core.errors import OperationFailed
from converge_core.git import (
    MIN_GIT_VERSION,
    CommitInfo,
    GitRepository,
    GitTooOld,
    UnknownRef,
    git_version,
    require_git,
)
from converge_core.tests.gitrepo import AUTHOR, GitRepo, record_git_calls

NAME, EMAIL = AUTHOR[: AUTHOR.index(" <")], AUTHOR[AUTHOR.index("<") + 1 : -1]


def _at(minutes: int) -> datetime:
    # GitRepo dates advance one minute per commit from a fixed epoch.
    return datetime.fromtimestamp(1_700_000_000 + 60 * minutes, UTC)


def _history(tmp_path: Path) -> GitRepo:
    repo = GitRepo.create(tmp_path / "repo")
    base = repo.commit("main", {"a.txt": "a\n", "b c.txt": "b\n"}, message="initial")
    repo.commit("feature", {"ü.txt": "u\n"}, start=base, message="feature work")
    repo.commit("main", {"d.txt": "d\n"}, delete=["a.txt"], message="rename a to d")
    repo.git("merge", "-q", "--no-ff", "-m", "a merge commit", "feature")
    repo.commit("main", message="")  # no file changes, empty subject
    return repo


def test_log_history_from_one_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = record_git_calls(monkeypatch, tmp_path)
    repo = _history(tmp_path)
    git = GitRepository(repo.path)
    calls.clear()

    history = git.log_history()

    assert calls.commands() == ["log"]
    shas = repo.git("rev-list", "--no-merges", "main").split()
    assert history == [
        CommitInfo(shas[0], NAME, EMAIL, _at(4), "", ()),
        CommitInfo(shas[1], NAME, EMAIL, _at(3), "rename a to d", ("a.txt", "d.txt")),
        CommitInfo(shas[2], NAME, EMAIL, _at(2), "feature work", ("ü.txt",)),
        CommitInfo(shas[3], NAME, EMAIL, _at(1), "initial", ("a.txt", "b c.txt")),
    ]


def test_log_history_limits_and_refs(tmp_path: Path) -> None:
    repo = _history(tmp_path)
    git = GitRepository(repo.path)

    assert [c.subject for c in git.log_history(max_commits=2)] == ["", "rename a to d"]
    assert [c.subject for c in git.log_history(ref="feature")] == ["feature work", "initial"]
    assert git.log_history(max_commits=0) == []
    with pytest.raises(UnknownRef, match="unknown ref 'nope'"):
        git.log_history(ref="nope")


def test_log_history_of_an_empty_repository(tmp_path: Path) -> None:
    repo = GitRepo.create(tmp_path / "empty.git", bare=True)

    assert GitRepository(repo.path).log_history() == []


def test_changed_paths_between_two_commits(tmp_path: Path) -> None:
    repo = _history(tmp_path)
    git = GitRepository(repo.path)
    first = repo.git("rev-list", "--max-parents=0", "main").strip()

    assert git.changed_paths(first, repo.rev("main")) == ("a.txt", "d.txt", "ü.txt")
    assert git.changed_paths(repo.rev("main"), repo.rev("main")) == ()


def test_git_version_matches_git() -> None:
    reported = subprocess.run(["git", "--version"], capture_output=True, text=True).stdout
    major, minor, patch = git_version()

    assert reported.startswith(f"git version {major}.{minor}.{patch}")
    assert require_git() == (major, minor, patch)
    assert (major, minor, patch) >= MIN_GIT_VERSION == (2, 38, 0)


def test_require_git_fails_clearly_when_too_old() -> None:
    have = ".".join(map(str, git_version()))

    with pytest.raises(GitTooOld) as caught:
        require_git(min=(99, 0, 0))

    assert isinstance(caught.value, OperationFailed)
    assert caught.value.message == (
        f"git 99.0.0 or newer is required (merge-tree --write-tree), found {have}"
    )


def test_mainline_touching_lists_the_target_merges_that_changed_the_paths(tmp_path):
    repo = GitRepo.create(tmp_path / "repo")
    fork = repo.commit("main", {"a.txt": "a\n", "b.txt": "b\n"})
    repo.commit("s1", {"a.txt": "s1\n"}, start=fork)
    repo.commit("s2", {"b.txt": "s2\n"}, start=fork)
    git = GitRepository(repo.path)
    first = git.merge(repo.rev("s1"), "main", fork, git.simulate("s1", "main").tree_sha)
    second = git.merge(repo.rev("s2"), "main", first, git.simulate("s2", "main").tree_sha)
    direct = repo.commit("main", {"a.txt": "direct\n"})

    assert git.mainline_touching(fork, direct, ["a.txt"]) == [direct, first]
    assert git.mainline_touching(fork, direct, ["b.txt"]) == [second]
    assert git.mainline_touching(first, direct, ["a.txt"]) == [direct]  # after the fork only
    assert git.mainline_touching(fork, direct, []) == []
