"""Materialising a tree into a temporary directory for checks."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from converge_core.git import GitRepository
from converge_core.tests.gitrepo import GitRepo


def _merged(tmp_path: Path) -> tuple[GitRepo, GitRepository, str]:
    repo = GitRepo.create(tmp_path / "repo")
    base = repo.commit("main", {"src/app.py": "print('app')\n", "README.md": "readme\n"})
    repo.commit("feature", {"src/new module.py": "x = 1\n", "données/é.txt": "é\n"}, start=base)
    repo.commit("main", {"README.md": "readme v2\n"})
    # export-ignore would hide files from `git archive`; checks must still see them.
    repo.commit("main", {".gitattributes": "src/app.py export-ignore\n"})
    git = GitRepository(repo.path)
    return repo, git, git.simulate("feature", "main").tree_sha


def _contents(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): p.read_text() for p in sorted(root.rglob("*")) if p.is_file()}


def test_materialize_gives_the_merged_content(tmp_path: Path) -> None:
    repo, git, tree = _merged(tmp_path)

    with git.materialize(tree) as root:
        assert root.is_dir()
        assert _contents(root) == {
            ".gitattributes": "src/app.py export-ignore\n",
            "README.md": "readme v2\n",
            "données/é.txt": "é\n",
            "src/app.py": "print('app')\n",
            "src/new module.py": "x = 1\n",
        }
        assert not (root / ".git").exists()

    assert not root.exists()
    assert not root.parent.exists()  # the throw-away index went with it
    assert repo.status() == ""


def test_materialize_cleans_up_after_errors_and_read_only_files(tmp_path: Path) -> None:
    _, git, tree = _merged(tmp_path)

    with pytest.raises(RuntimeError, match="check crashed"), git.materialize(tree) as root:
        (root / "src").chmod(0o500)
        os.chmod(root / "README.md", 0o400)
        raise RuntimeError("check crashed")

    assert not root.parent.exists()


def test_materialize_works_on_a_bare_repository(tmp_path: Path) -> None:
    repo = GitRepo.create(tmp_path / "mirror.git", bare=True)
    repo.commit("main", {"a/b/c.txt": "deep\n"})
    git = GitRepository(repo.path)
    tree = repo.git("rev-parse", "main^{tree}").strip()

    with git.materialize(tree) as root:
        assert _contents(root) == {"a/b/c.txt": "deep\n"}
