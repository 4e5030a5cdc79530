"""The synthetic benchmark repository: shape, branch kinds, speed and determinism."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from converge_core.git import GitRepository
from converge_core.synthetic import BranchSpec, SyntheticRepo, build_synthetic_repo
from converge_core.tests.gitrepo import GitRepo, record_git_calls


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> SyntheticRepo:
    return build_synthetic_repo(tmp_path_factory.mktemp("synthetic") / "repo")


def _packages(paths: tuple[str, ...]) -> set[str]:
    return {path.rsplit("/", 1)[0] for path in paths}


def test_main_has_1000_modules_in_25_packages(synthetic: SyntheticRepo) -> None:
    repo = GitRepo(synthetic.path, bare=False)
    files = repo.git("ls-tree", "-r", "--name-only", "main").split()

    assert len(files) == 1000
    assert files[0] == "src/pkg00/mod000.py" and files[-1] == "src/pkg24/mod039.py"
    assert len(_packages(tuple(files))) == 25
    assert repo.rev("main") == synthetic.main_sha
    assert repo.parents("main") == [synthetic.fork_sha]
    assert repo.status() == ""
    assert len(list(synthetic.path.glob("src/pkg*/mod*.py"))) == 1000


def test_branch_kinds(synthetic: SyntheticRepo) -> None:
    assert synthetic.clean == tuple(f"clean/{i:02d}" for i in range(10))
    assert synthetic.conflicting_pairs == (
        ("conflict/00-a", "conflict/00-b"),
        ("conflict/01-a", "conflict/01-b"),
        ("conflict/02-a", "conflict/02-b"),
    )
    assert synthetic.conflicts_with_main == ("main-conflict/00", "main-conflict/01")
    assert synthetic.wide == ("wide/00", "wide/01")
    assert len(synthetic.branches) == 20
    for name in synthetic.clean:
        assert 2 <= len(synthetic.files[name]) <= 5
        assert len(_packages(synthetic.files[name])) == 1
    for name in synthetic.wide:
        assert len(synthetic.files[name]) == 12
        assert len(_packages(synthetic.files[name])) == 4
    touched = [p for b in synthetic.clean + synthetic.wide for p in synthetic.files[b]]
    assert len(touched) == len(set(touched))  # clean and wide branches never overlap


def test_every_branch_merges_as_its_kind_says(synthetic: SyntheticRepo) -> None:
    git = GitRepository(synthetic.path)

    for name in (
        synthetic.clean
        + synthetic.wide
        + tuple(b for pair in synthetic.conflicting_pairs for b in pair)
    ):
        sim = git.simulate(name, "main")
        assert (sim.mergeable, sim.files_changed) == (True, synthetic.files[name]), name
    for name in synthetic.conflicts_with_main:
        sim = git.simulate(name, "main")
        assert (sim.mergeable, sim.conflicts) == (False, synthetic.files[name]), name
        assert set(sim.conflicts) <= set(synthetic.files["main"])


def test_conflicting_pairs_conflict_with_each_other(synthetic: SyntheticRepo) -> None:
    git = GitRepository(synthetic.path)
    order = [b for pair in synthetic.conflicting_pairs for b in pair]

    steps = git.simulate_chain("main", order)

    for k, (first, second) in enumerate(synthetic.conflicting_pairs):
        a, b = steps[2 * k], steps[2 * k + 1]
        assert (a.source, a.mergeable) == (first, True)
        assert (b.source, b.mergeable) == (second, False)
        assert b.conflicts == synthetic.files[first] == synthetic.files[second]
        assert (b.conflicts_with, b.conflicts_with_target) == ((2 * k,), False)


def test_build_is_fast_deterministic_and_uses_plumbing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, synthetic: SyntheticRepo
) -> None:
    calls = record_git_calls(monkeypatch, tmp_path)
    started = time.monotonic()

    bare = build_synthetic_repo(tmp_path / "mirror.git", bare=True)

    assert time.monotonic() - started < 10
    assert calls.commands() == ["init", "fast-import"]
    assert bare.bare is True
    assert (bare.main_sha, bare.fork_sha) == (synthetic.main_sha, synthetic.fork_sha)
    assert bare.files == synthetic.files
    first, second = GitRepo(synthetic.path, bare=False), GitRepo(bare.path, bare=True)
    assert first.git("for-each-ref") == second.git("for-each-ref")


def test_custom_shape_and_description(tmp_path: Path) -> None:
    spec = BranchSpec(clean=1, conflicting_pairs=1, conflicts_with_main=0, wide=1)

    built = build_synthetic_repo(
        tmp_path / "small", packages=5, modules_per_package=5, branches=spec
    )

    repo = GitRepo(built.path, bare=False)
    assert len(repo.git("ls-tree", "-r", "--name-only", "main").split()) == 25
    assert built.main_sha == built.fork_sha  # main does not move without main conflicts
    assert built.to_dict() == {
        "path": str(tmp_path / "small"),
        "bare": False,
        "main_sha": built.main_sha,
        "fork_sha": built.fork_sha,
        "clean": ["clean/00"],
        "conflicting_pairs": [["conflict/00-a", "conflict/00-b"]],
        "conflicts_with_main": [],
        "wide": ["wide/00"],
        "files": {
            "clean/00": ["src/pkg00/mod000.py", "src/pkg00/mod001.py"],
            "conflict/00-a": ["src/pkg01/mod000.py"],
            "conflict/00-b": ["src/pkg01/mod000.py"],
            "wide/00": [
                "src/pkg02/mod000.py",
                "src/pkg02/mod001.py",
                "src/pkg02/mod002.py",
                "src/pkg03/mod000.py",
                "src/pkg03/mod001.py",
                "src/pkg03/mod002.py",
                "src/pkg04/mod000.py",
                "src/pkg04/mod001.py",
                "src/pkg04/mod002.py",
                "src/pkg00/mod002.py",
                "src/pkg00/mod003.py",
                "src/pkg00/mod004.py",
            ],
        },
    }


def test_impossible_shapes_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="wide branches need at least 4 packages"):
        build_synthetic_repo(tmp_path / "a", packages=3)
    with pytest.raises(ValueError, match="pkg00 has too few modules"):
        build_synthetic_repo(
            tmp_path / "b",
            packages=1,
            modules_per_package=3,
            branches=BranchSpec(clean=3, conflicting_pairs=0, conflicts_with_main=0, wide=0),
        )


def test_more_clean_branches_than_modules_share_files_and_still_merge(tmp_path: Path) -> None:
    from converge_core.git import GitRepository

    built = build_synthetic_repo(
        tmp_path / "r",
        packages=2,
        modules_per_package=6,
        branches=BranchSpec(clean=6, conflicting_pairs=0, conflicts_with_main=0, wide=0),
    )
    files = [path for branch in built.clean for path in built.files[branch]]
    assert len(files) > len(set(files))  # modules are shared between clean branches
    steps = GitRepository(built.path).simulate_chain("main", list(built.clean))
    assert all(step.mergeable for step in steps)
