"""Resolving refs: one process, unknown refs are errors (not conflicts), no option injection."""

from __future__ import annotations

from pathlib import Path

import pytest

from converge_core.errors import InvalidInput
from converge_core.git import GitRepository, InvalidRef, NotARepository, UnknownRef
from converge_core.tests.gitrepo import GitRepo, record_git_calls


def _repo(tmp_path: Path) -> tuple[GitRepo, str, str]:
    repo = GitRepo.create(tmp_path / "repo")
    base = repo.commit("main", {"a.txt": "a\n"})
    feature = repo.commit("feature/ü", {"b.txt": "b\n"}, start=base)
    return repo, base, feature


def test_resolve_many_refs_in_one_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = record_git_calls(monkeypatch, tmp_path)
    repo, base, feature = _repo(tmp_path)
    git = GitRepository(repo.path)
    calls.clear()

    resolved = git.resolve("main", "feature/ü", base, feature[:10])

    assert resolved == [base, feature, base, feature]
    assert calls.commands() == ["cat-file"]


def test_branch_wins_over_a_tag_of_the_same_name(tmp_path: Path) -> None:
    repo, base, feature = _repo(tmp_path)
    repo.git("tag", "main", feature)

    assert GitRepository(repo.path).resolve("main") == [base]


def test_tags_and_other_refs_still_resolve(tmp_path: Path) -> None:
    repo, base, feature = _repo(tmp_path)
    repo.git("tag", "v1", feature)
    repo.git("update-ref", "refs/remotes/origin/main", base)

    assert GitRepository(repo.path).resolve("v1", "origin/main") == [feature, base]


def test_unknown_ref_is_a_clear_input_error(tmp_path: Path) -> None:
    repo, _, _ = _repo(tmp_path)
    git = GitRepository(repo.path)

    with pytest.raises(UnknownRef) as caught:
        git.resolve("main", "no-such-branch")

    assert isinstance(caught.value, InvalidInput)
    assert caught.value.message == "unknown ref 'no-such-branch': no such commit"
    assert caught.value.extra == {"ref": "no-such-branch"}


def test_simulating_an_unknown_ref_is_not_a_conflict(tmp_path: Path) -> None:
    repo, _, _ = _repo(tmp_path)
    git = GitRepository(repo.path)

    with pytest.raises(UnknownRef, match="unknown ref 'ghost'"):
        git.simulate("ghost", "main")
    with pytest.raises(UnknownRef, match="unknown ref 'gone'"):
        git.simulate("feature/ü", "gone")


def test_an_object_that_is_not_a_commit_is_unknown(tmp_path: Path) -> None:
    repo, _, _ = _repo(tmp_path)
    tree = repo.git("rev-parse", "main^{tree}").strip()

    with pytest.raises(UnknownRef):
        GitRepository(repo.path).resolve(tree)


@pytest.mark.parametrize("ref", ["-h", "--output=pwned.txt", "--all", "-"])
def test_dash_refs_are_rejected_before_any_git_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ref: str
) -> None:
    calls = record_git_calls(monkeypatch, tmp_path)
    repo, _, _ = _repo(tmp_path)
    git = GitRepository(repo.path)
    monkeypatch.chdir(repo.path)
    calls.clear()

    with pytest.raises(InvalidRef, match="invalid ref"):
        git.simulate(ref, "main")
    with pytest.raises(InvalidRef, match="invalid ref"):
        git.simulate("main", ref)
    with pytest.raises(InvalidRef, match="invalid branch name"):
        git.head(ref)
    with pytest.raises(InvalidRef):
        git.simulate_chain("main", ["feature/ü", ref])

    assert calls.calls() == []
    assert not (repo.path / "pwned.txt").exists()
    assert not (repo.git_dir / "pwned.txt").exists()


def test_head_of_a_branch(tmp_path: Path) -> None:
    repo, base, feature = _repo(tmp_path)
    git = GitRepository(repo.path)

    assert git.head("main") == base
    assert git.head("feature/ü") == feature
    assert git.head("missing") is None


def test_is_ancestor(tmp_path: Path) -> None:
    repo, base, feature = _repo(tmp_path)
    git = GitRepository(repo.path)

    assert git.is_ancestor(base, "feature/ü") is True
    assert git.is_ancestor("feature/ü", "main") is False
    assert git.is_ancestor("main", "main") is True


def test_not_a_repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))

    with pytest.raises(NotARepository, match=r"is not a usable git repository \(fatal: not a git"):
        GitRepository(plain)
    with pytest.raises(NotARepository, match="is not a directory"):
        GitRepository(tmp_path / "missing")


def test_repository_paths(tmp_path: Path) -> None:
    repo, _, _ = _repo(tmp_path)
    git = GitRepository(repo.path / ".")

    assert (git.path, git.git_dir, git.is_bare) == (
        str(repo.path),
        str(repo.path / ".git"),
        False,
    )


def test_committer_identity_is_validated(tmp_path: Path) -> None:
    repo, _, _ = _repo(tmp_path)

    with pytest.raises(InvalidInput, match="invalid committer identity"):
        GitRepository(repo.path, committer_email="a>b@example.com")
