"""Speculative chains for a merge-queue batch (decisions §12)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from converge_core.git import ChainStep, GitRepository, UnknownRef
from converge_core.tests.gitrepo import GitRepo, record_git_calls

TEXT = "one\ntwo\nthree\nfour\nfive\n"


def _batch(tmp_path: Path) -> GitRepo:
    """c1 edits a.txt, c2 edits b.txt, c3 edits a.txt's same line as c1, c4 conflicts with main."""
    repo = GitRepo.create(tmp_path / "mirror.git", bare=True)
    base = repo.commit("main", {"a.txt": TEXT, "b.txt": TEXT, "c.txt": TEXT})
    repo.commit("c1", {"a.txt": TEXT.replace("two", "c1")}, start=base)
    repo.commit("c2", {"b.txt": TEXT.replace("four", "c2")}, start=base)
    repo.commit("c3", {"a.txt": TEXT.replace("two", "c3"), "d.txt": "d\n"}, start=base)
    repo.commit("c4", {"c.txt": TEXT.replace("one", "c4")}, start=base)
    repo.commit("main", {"c.txt": TEXT.replace("one", "main")})
    return repo


def test_third_candidate_conflicts_with_the_first(tmp_path: Path) -> None:
    repo = _batch(tmp_path)
    refs_before = repo.git("for-each-ref")

    steps = GitRepository(repo.path).simulate_chain("main", ["c1", "c2", "c3"])

    assert [s.mergeable for s in steps] == [True, True, False]
    assert [s.source for s in steps] == ["c1", "c2", "c3"]
    assert [s.source_sha for s in steps] == [repo.rev("c1"), repo.rev("c2"), repo.rev("c3")]
    assert steps[2] == ChainStep(
        index=2,
        source="c3",
        source_sha=repo.rev("c3"),
        mergeable=False,
        conflicts=("a.txt",),
        conflicts_with=(0,),
        conflicts_with_target=False,
        tree_sha=steps[2].tree_sha,
    )
    assert (steps[0].conflicts_with, steps[1].conflicts_with) == ((), ())
    # #2 merged on top of #1: its tree holds both changes and main's.
    assert repo.files(steps[1].tree_sha) == {
        "a.txt": TEXT.replace("two", "c1"),
        "b.txt": TEXT.replace("four", "c2"),
        "c.txt": TEXT.replace("one", "main"),
    }
    assert repo.git("for-each-ref") == refs_before  # virtual commits stay dangling
    assert steps[2].to_payload() == {
        "index": 2,
        "source": "c3",
        "source_sha": repo.rev("c3"),
        "mergeable": False,
        "conflicts": ["a.txt"],
        "conflicts_with": [0],
        "conflicts_with_target": False,
        "tree_sha": steps[2].tree_sha,
    }


def test_chain_trees_equal_the_real_sequential_merges(tmp_path: Path) -> None:
    repo = _batch(tmp_path)
    git = GitRepository(repo.path)
    steps = git.simulate_chain("main", ["c1", "c2"])

    git.merge_simulation(git.simulate("c1", "main"))
    git.merge_simulation(git.simulate("c2", "main"))

    assert repo.git("rev-parse", "main^{tree}").strip() == steps[1].tree_sha


def test_conflict_with_the_target_itself_is_flagged(tmp_path: Path) -> None:
    repo = _batch(tmp_path)

    steps = GitRepository(repo.path).simulate_chain("main", ["c4", "c1", "c3", "c4"])

    assert [
        (s.mergeable, s.conflicts, s.conflicts_with, s.conflicts_with_target) for s in steps
    ] == [
        (False, ("c.txt",), (), True),
        (True, (), (), False),
        (False, ("a.txt",), (1,), False),
        (False, ("c.txt",), (), True),
    ]


def test_conflicting_candidate_does_not_advance_the_virtual_head(tmp_path: Path) -> None:
    repo = _batch(tmp_path)

    steps = GitRepository(repo.path).simulate_chain("main", ["c1", "c3", "c2"])

    assert [s.mergeable for s in steps] == [True, False, True]
    assert repo.files(steps[2].tree_sha)["a.txt"] == TEXT.replace("two", "c1")
    assert "d.txt" not in repo.files(steps[2].tree_sha)


def test_chain_process_count(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = record_git_calls(monkeypatch, tmp_path)
    repo = _batch(tmp_path)
    git = GitRepository(repo.path)
    calls.clear()

    steps = git.simulate_chain("main", ["c1", "c2", "c3"])

    # refs from the ref store, 3 merges, 2 virtual commits, 1 batched check of c3 against
    # main alone; the own changes of the clean candidates (merge bases, then diffs) and, for
    # the attribution of c3's conflict, those of c1 and c2 against main: two processes each.
    assert Counter(calls.commands()) == Counter(
        {"merge-tree": 4, "commit-tree": 2, "rev-parse": 2, "diff-tree": 2}
    )
    assert sum("--stdin" in argv for argv in calls.calls()) == 3
    assert [s.conflicts_with for s in steps] == [(), (), (0,)]


def test_clean_steps_list_their_own_changes_onto_their_head(tmp_path: Path) -> None:
    repo = _batch(tmp_path)
    git = GitRepository(repo.path)
    main = repo.rev("main")

    steps = git.simulate_chain("main", ["c1", "c3", "c2"])

    assert [s.mergeable for s in steps] == [True, False, True]
    assert steps[0].files_changed == git.files_changed(main, repo.rev("c1")) == ("a.txt",)
    assert steps[1].files_changed is None  # a conflict: nothing to merge
    assert steps[2].files_changed == ("b.txt",)


def test_empty_batch_and_unknown_candidate(tmp_path: Path) -> None:
    repo = _batch(tmp_path)
    git = GitRepository(repo.path)

    assert git.simulate_chain("main", []) == []
    with pytest.raises(UnknownRef, match="unknown ref 'c9'"):
        git.simulate_chain("main", ["c1", "c9"])
