"""Simulation: merge-tree output parsed exactly, files_changed from the merge base."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from converge_core.git import GitRepository
from converge_core.tests.gitrepo import GitRepo, record_git_calls

TEXT = "one\ntwo\nthree\nfour\nfive\n"


def _repo(tmp_path: Path, *, bare: bool = False) -> tuple[GitRepo, str]:
    repo = GitRepo.create(tmp_path / ("repo.git" if bare else "repo"), bare=bare)
    base = repo.commit("main", {"f.txt": TEXT, "g.txt": TEXT, "h.txt": TEXT})
    return repo, base


def test_clean_merge(tmp_path: Path) -> None:
    repo, base = _repo(tmp_path)
    repo.commit("feature", {"g.txt": TEXT.replace("two", "TWO"), "new.txt": "new\n"}, start=base)
    repo.commit("main", {"f.txt": TEXT.replace("five", "FIVE")})
    before = datetime.now(UTC)

    sim = GitRepository(repo.path).simulate("feature", "main")

    assert sim.mergeable is True
    assert sim.conflicts == ()
    assert sim.files_changed == ("g.txt", "new.txt")
    assert (sim.source, sim.target) == ("feature", "main")
    assert sim.source_sha == repo.rev("feature")
    assert sim.target_sha == repo.rev("main")
    assert repo.files(sim.tree_sha) == {
        "f.txt": TEXT.replace("five", "FIVE"),
        "g.txt": TEXT.replace("two", "TWO"),
        "h.txt": TEXT,
        "new.txt": "new\n",
    }
    assert sim.timestamp.tzinfo is UTC
    assert before <= sim.timestamp <= datetime.now(UTC) + timedelta(seconds=1)
    assert sim.to_payload() == {
        "mergeable": True,
        "conflicts": [],
        "files_changed": ["g.txt", "new.txt"],
        "source": "feature",
        "target": "main",
        "source_sha": repo.rev("feature"),
        "target_sha": repo.rev("main"),
        "tree_sha": sim.tree_sha,
    }
    assert repo.status() == ""  # the work tree was never touched


def test_conflicting_pair_reports_the_file_and_keeps_the_conflicted_tree(tmp_path: Path) -> None:
    repo, base = _repo(tmp_path)
    repo.commit("left", {"f.txt": TEXT.replace("three", "LEFT")}, start=base)
    repo.commit("right", {"f.txt": TEXT.replace("three", "RIGHT"), "h.txt": "x\n"}, start=base)
    git = GitRepository(repo.path)
    git.merge_simulation(git.simulate("left", "main"))

    sim = git.simulate("right", "main")

    assert sim.mergeable is False
    assert sim.conflicts == ("f.txt",)
    assert sim.files_changed == ("f.txt", "h.txt")
    merged = repo.files(sim.tree_sha)
    assert merged["h.txt"] == "x\n"
    assert "<<<<<<<" in merged["f.txt"] and "LEFT" in merged["f.txt"] and "RIGHT" in merged["f.txt"]


def test_modify_delete_conflict_names_the_path(tmp_path: Path) -> None:
    repo, base = _repo(tmp_path)
    repo.commit("feature", delete=["g.txt"], start=base)
    repo.commit("main", {"g.txt": TEXT + "six\n"})

    sim = GitRepository(repo.path).simulate("feature", "main")

    assert (sim.mergeable, sim.conflicts, sim.files_changed) == (False, ("g.txt",), ("g.txt",))


def test_rename_rename_conflict_names_all_three_paths(tmp_path: Path) -> None:
    repo, base = _repo(tmp_path)
    repo.commit("feature", {"h-feature.txt": TEXT}, delete=["h.txt"], start=base)
    repo.commit("main", {"h-main.txt": TEXT}, delete=["h.txt"])

    sim = GitRepository(repo.path).simulate("feature", "main")

    assert sim.mergeable is False
    assert sim.conflicts == ("h-feature.txt", "h-main.txt", "h.txt")
    assert sim.files_changed == ("h-feature.txt", "h.txt")


def test_rename_delete_conflict_includes_the_original_path(tmp_path: Path) -> None:
    repo, base = _repo(tmp_path)
    repo.commit("feature", {"moved.txt": TEXT}, delete=["h.txt"], start=base)
    repo.commit("main", delete=["h.txt"])

    sim = GitRepository(repo.path).simulate("feature", "main")

    # Only moved.txt keeps conflict stages; h.txt comes from the CONFLICT message and is what
    # the other side changed.
    assert (sim.mergeable, sim.conflicts) == (False, ("h.txt", "moved.txt"))


def test_add_add_conflict(tmp_path: Path) -> None:
    repo, base = _repo(tmp_path)
    repo.commit("feature", {"added.txt": "from feature\n"}, start=base)
    repo.commit("main", {"added.txt": "from main\n"})

    sim = GitRepository(repo.path).simulate("feature", "main")

    assert (sim.mergeable, sim.conflicts, sim.files_changed) == (
        False,
        ("added.txt",),
        ("added.txt",),
    )


def test_paths_with_spaces_and_unicode(tmp_path: Path) -> None:
    repo = GitRepo.create(tmp_path / "repo")
    names = [
        "dir with space/a b.txt",
        "naïve façade.txt",
        "日本語/ファイル.txt",
        "line\nbreak\ttab.txt",
        "plain.txt",
    ]
    base = repo.commit("main", dict.fromkeys(names, TEXT))
    repo.commit("feature", {n: TEXT.replace("two", "feature") for n in names}, start=base)
    repo.commit("main", {n: TEXT.replace("two", "main") for n in names[:4]})

    sim = GitRepository(repo.path).simulate("feature", "main")

    assert sim.mergeable is False
    assert sim.conflicts == (
        "dir with space/a b.txt",
        "line\nbreak\ttab.txt",
        "naïve façade.txt",
        "日本語/ファイル.txt",
    )
    assert sim.files_changed == (
        "dir with space/a b.txt",
        "line\nbreak\ttab.txt",
        "naïve façade.txt",
        "plain.txt",
        "日本語/ファイル.txt",
    )


def test_files_changed_excludes_changes_made_on_target_after_the_fork(tmp_path: Path) -> None:
    repo, base = _repo(tmp_path)
    repo.commit("feature", {"g.txt": "feature\n"}, start=base)
    repo.commit("main", {"f.txt": "main moved\n", "h.txt": "main moved\n"})

    sim = GitRepository(repo.path).simulate("feature", "main")

    assert sim.files_changed == ("g.txt",)


def test_simulation_uses_exactly_two_git_processes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = record_git_calls(monkeypatch, tmp_path)
    repo, base = _repo(tmp_path)
    repo.commit("feature", {"g.txt": "feature\n"}, start=base)
    git = GitRepository(repo.path)
    calls.clear()

    git.simulate("feature", "main")

    # branch heads come from the ref store: only the git floor remains, both started side
    # by side (so either may be logged first)
    assert sorted(calls.commands()) == ["diff", "merge-tree"]


def test_refs_git_must_resolve_still_go_through_git(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = record_git_calls(monkeypatch, tmp_path)
    repo, base = _repo(tmp_path)
    repo.git("tag", "v1", base)
    git = GitRepository(repo.path)
    main = repo.rev("main")
    calls.clear()
    assert git.resolve("v1", "main") == [base, main]
    assert calls.commands() == ["cat-file"]


def test_packed_refs_are_read_too(tmp_path: Path) -> None:
    repo, base = _repo(tmp_path)
    repo.commit("feature", {"g.txt": "feature\n"}, start=base)
    repo.git("pack-refs", "--all")
    assert not (repo.git_dir / "refs/heads/feature").exists()
    git = GitRepository(repo.path)
    assert git.resolve("feature") == [repo.rev("feature")]
    repo.commit("feature", {"g.txt": "again\n"})  # a loose ref now shadows the packed one
    assert git.resolve("feature") == [repo.rev("feature")]


def test_bare_repository_simulation(tmp_path: Path) -> None:
    repo, base = _repo(tmp_path, bare=True)
    repo.commit("feature", {"g.txt": "feature\n"}, start=base)
    git = GitRepository(repo.path)

    sim = git.simulate("feature", "main")

    assert git.is_bare is True
    assert git.git_dir == str(repo.path)
    assert (sim.mergeable, sim.conflicts, sim.files_changed) == (True, (), ("g.txt",))
    assert repo.files(sim.tree_sha)["g.txt"] == "feature\n"


def test_inherited_git_dir_does_not_redirect_the_engine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo, base = _repo(tmp_path)
    repo.commit("feature", {"g.txt": "feature\n"}, start=base)
    other = GitRepo.create(tmp_path / "other")
    other.commit("main", {"unrelated.txt": "x\n"})
    # As when Converge runs from a git hook of another repository.
    monkeypatch.setenv("GIT_DIR", str(other.git_dir))
    monkeypatch.setenv("GIT_INDEX_FILE", str(other.git_dir / "index"))

    sim = GitRepository(repo.path).simulate("feature", "main")

    assert sim.target_sha == repo.rev("main")
    assert sim.files_changed == ("g.txt",)
