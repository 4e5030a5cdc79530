"""A checked-out target: advanced when clean, refused when dirty (decisions §31)."""

from __future__ import annotations

from pathlib import Path

import pytest

from converge_core.git import CheckoutUpdateFailed, DirtyCheckout, GitRepository, TargetMoved
from converge_core.tests.gitrepo import GitRepo, record_git_calls

TEXT = "one\ntwo\nthree\n"


def _clone(tmp_path: Path) -> tuple[GitRepo, str]:
    """A developer's clone with main checked out and a mergeable ``feature``."""
    repo = GitRepo.create(tmp_path / "clone")
    base = repo.commit("main", {"a.txt": TEXT, "keep.txt": TEXT, "lib/old.py": "old\n"})
    repo.commit(
        "feature",
        {"a.txt": TEXT + "feature\n", "new.txt": "new\n", "docs/guide.md": "guide\n"},
        delete=["lib/old.py"],
        start=base,
    )
    repo.commit("main", {"keep.txt": TEXT + "main\n"})
    return repo, base


def _snapshot(repo: GitRepo, worktree: Path | None = None) -> dict[str, str]:
    root = worktree or repo.path
    return {
        str(p.relative_to(root)): p.read_text()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(root).parts
    }


MERGED = {
    "a.txt": TEXT + "feature\n",
    "docs/guide.md": "guide\n",
    "keep.txt": TEXT + "main\n",
    "new.txt": "new\n",
}


def test_clean_checkout_is_advanced_with_the_ref(tmp_path: Path) -> None:
    repo, _ = _clone(tmp_path)
    git = GitRepository(repo.path)
    sim = git.simulate("feature", "main")

    new = git.merge_simulation(sim)

    assert repo.rev("main") == new
    assert repo.rev("HEAD") == new
    assert repo.status() == ""
    assert repo.git("diff", "--cached", "--name-only").strip() == ""
    assert _snapshot(repo) == MERGED


def test_untracked_files_elsewhere_do_not_block(tmp_path: Path) -> None:
    repo, _ = _clone(tmp_path)
    (repo.path / "notes.txt").write_text("mine\n")
    (repo.path / "docs").mkdir()
    (repo.path / "docs" / "draft.md").write_text("draft\n")
    git = GitRepository(repo.path)

    git.merge_simulation(git.simulate("feature", "main"))

    assert repo.status() == "?? docs/draft.md\n?? notes.txt\n"
    assert _snapshot(repo) == {**MERGED, "notes.txt": "mine\n", "docs/draft.md": "draft\n"}


@pytest.mark.parametrize("staged", [False, True], ids=["unstaged", "staged"])
def test_dirty_checkout_is_refused_and_nothing_changes(tmp_path: Path, staged: bool) -> None:
    repo, _ = _clone(tmp_path)
    (repo.path / "keep.txt").write_text("local edit\n")
    if staged:
        repo.git("add", "keep.txt")
    git = GitRepository(repo.path)
    sim = git.simulate("feature", "main")
    head, files, status = repo.rev("main"), _snapshot(repo), repo.status()

    with pytest.raises(DirtyCheckout) as caught:
        git.merge_simulation(sim)

    assert caught.value.worktree == str(repo.path)
    assert caught.value.files == ["keep.txt"]
    assert caught.value.message == (
        f"{repo.path} has main checked out with local changes (keep.txt); "
        "commit or stash them first"
    )
    assert caught.value.exit_code == 1
    assert (repo.rev("main"), _snapshot(repo), repo.status()) == (head, files, status)


def test_untracked_file_at_a_merge_path_is_refused(tmp_path: Path) -> None:
    repo, _ = _clone(tmp_path)
    (repo.path / "new.txt").write_text("my own new.txt\n")
    git = GitRepository(repo.path)
    sim = git.simulate("feature", "main")
    head = repo.rev("main")

    with pytest.raises(DirtyCheckout) as caught:
        git.merge_simulation(sim)

    assert caught.value.files == ["new.txt"]
    assert "untracked files the merge would overwrite (new.txt)" in caught.value.message
    assert repo.rev("main") == head
    assert (repo.path / "new.txt").read_text() == "my own new.txt\n"
    assert repo.status() == "?? new.txt\n"


def test_ignored_file_at_a_merge_path_is_refused(tmp_path: Path) -> None:
    repo, _ = _clone(tmp_path)
    (repo.path / ".git" / "info" / "exclude").write_text("new.txt\n")
    (repo.path / "new.txt").write_text("my ignored new.txt\n")
    git = GitRepository(repo.path)
    head = repo.rev("main")

    with pytest.raises(DirtyCheckout) as caught:
        git.merge_simulation(git.simulate("feature", "main"))

    assert caught.value.files == ["new.txt"]
    assert repo.rev("main") == head
    assert (repo.path / "new.txt").read_text() == "my ignored new.txt\n"


def test_merges_into_a_clean_checkout_list_the_work_trees_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo, base = _clone(tmp_path)
    repo.commit("other", {"other.txt": "other\n"}, start=base)
    calls = record_git_calls(monkeypatch, tmp_path)
    git = GitRepository(repo.path)
    first, second = git.simulate("feature", "main"), None
    calls.clear()

    git.merge_simulation(first)
    second = git.simulate("other", "main")
    git.merge_simulation(second)

    per_merge = ["status", "commit-tree", "update-ref", "read-tree"]
    commands = calls.commands()
    assert commands[:5] == ["worktree", *per_merge]
    assert sorted(commands[5:7]) == ["diff", "merge-tree"]  # the simulation, side by side
    assert commands[7:] == per_merge
    assert repo.status() == ""
    assert repo.git("diff-files", "--name-only").strip() == ""
    assert _snapshot(repo) == {**MERGED, "other.txt": "other\n"}


def test_a_work_tree_added_between_merges_is_seen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo, base = _clone(tmp_path)
    repo.commit("other", {"other.txt": "other\n"}, start=base)
    repo.git("checkout", "-q", "other")
    git = GitRepository(repo.path)
    git.merge_simulation(git.simulate("feature", "main"))
    linked = repo.add_worktree(tmp_path / "linked", "main")
    (linked / "a.txt").write_text("edited in the linked worktree\n")

    with pytest.raises(DirtyCheckout) as caught:
        git.merge_simulation(git.simulate("other", "main"))

    assert caught.value.worktree == str(linked)


def test_untracked_file_where_the_merge_needs_a_directory_is_refused(tmp_path: Path) -> None:
    repo, _ = _clone(tmp_path)
    (repo.path / "docs").write_text("a file named docs\n")
    git = GitRepository(repo.path)
    sim = git.simulate("feature", "main")

    with pytest.raises(DirtyCheckout) as caught:
        git.merge_simulation(sim)

    assert caught.value.files == ["docs"]
    assert repo.rev("main") == sim.target_sha


def test_target_moved_in_the_checkout_is_reported_as_moved(tmp_path: Path) -> None:
    repo, _ = _clone(tmp_path)
    git = GitRepository(repo.path)
    sim = git.simulate("feature", "main")
    # The developer commits new.txt on main: in the checkout it is tracked, not in the way.
    moved = repo.commit("main", {"new.txt": "the developer's new.txt\n"})

    with pytest.raises(TargetMoved) as caught:
        git.merge_simulation(sim)

    assert (caught.value.expected, caught.value.current) == (sim.target_sha, moved)
    assert repo.rev("main") == moved
    assert repo.status() == ""


def test_linked_worktree_with_the_target_checked_out_is_advanced(tmp_path: Path) -> None:
    repo, _ = _clone(tmp_path)
    repo.checkout("feature")
    linked = repo.add_worktree(tmp_path / "linked", "main")
    git = GitRepository(repo.path)

    new = git.merge_simulation(git.simulate("feature", "main"))

    assert repo.rev("main") == new
    assert repo.status(linked) == ""
    assert _snapshot(repo, linked) == MERGED
    assert repo.status() == ""  # the main work tree (on feature) is untouched


def test_dirty_linked_worktree_is_refused(tmp_path: Path) -> None:
    repo, _ = _clone(tmp_path)
    repo.checkout("feature")
    linked = repo.add_worktree(tmp_path / "linked", "main")
    (linked / "a.txt").write_text("edited in the linked worktree\n")
    git = GitRepository(repo.path)
    sim = git.simulate("feature", "main")

    with pytest.raises(DirtyCheckout) as caught:
        git.merge_simulation(sim)

    assert (caught.value.worktree, caught.value.files) == (str(linked), ["a.txt"])
    assert repo.rev("main") == sim.target_sha


def test_failed_checkout_update_moves_the_ref_back(tmp_path: Path) -> None:
    repo, _ = _clone(tmp_path)
    git = GitRepository(repo.path)
    sim = git.simulate("feature", "main")
    # A reference-transaction hook edits a.txt once the ref has moved: the checkout turns
    # dirty between the cleanliness check and read-tree, as a racing editor would.
    hook = repo.git_dir / "hooks" / "reference-transaction"
    hook.write_text(
        "#!/bin/sh\ncat >/dev/null\n"
        f'[ "$1" = committed ] && echo racing edit > "{repo.path / "a.txt"}"\nexit 0\n'
    )
    hook.chmod(0o755)

    with pytest.raises(CheckoutUpdateFailed) as caught:
        git.merge_simulation(sim)

    assert caught.value.restored is True
    assert caught.value.worktree == str(repo.path)
    assert caught.value.message.endswith("; the merge was undone")
    assert repo.rev("main") == sim.target_sha
    assert repo.git("diff", "--cached", "--name-only").strip() == ""
    assert repo.status() == " M a.txt\n"
