"""Build real git repositories for tests, with real git commands and fixed identities.

    repo = GitRepo.create(tmp_path / "repo")              # work tree, branch main
    base = repo.commit("main", {"a.txt": "one\\n"})      # returns the new commit id
    repo.commit("feature", {"a.txt": "two\\n"}, start=base)
    repo.commit("feature", delete=["a.txt"])
    bare = GitRepo.create(tmp_path / "mirror.git", bare=True)
    calls = record_git_calls(monkeypatch, tmp_path)        # count git processes

Commits are written with ``git fast-import`` on any branch, checked out or not, in bare and
non-bare repositories alike; committing to the branch checked out in the main work tree also
updates that work tree (``reset --hard``) so it starts clean. Dates advance one minute per
commit from a fixed epoch, so the same script yields the same commit ids.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

AUTHOR = "Test Author <author@example.com>"
_EPOCH = 1_700_000_000
_LOCATION_VARIABLES = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_COMMON_DIR")


def git_env() -> dict[str, str]:
    """Environment for helper git processes: fixed identity, no inherited repository."""
    env = {k: v for k, v in os.environ.items() if k not in _LOCATION_VARIABLES}
    env.update(
        {
            "LC_ALL": "C",
            "GIT_TERMINAL_PROMPT": "0",
            "GIT_AUTHOR_NAME": "Test Author",
            "GIT_AUTHOR_EMAIL": "author@example.com",
            "GIT_COMMITTER_NAME": "Test Author",
            "GIT_COMMITTER_EMAIL": "author@example.com",
        }
    )
    return env


def run(cwd: Path, *args: str, input: bytes | None = None, check: bool = True) -> str:
    """Run ``git ARGS`` in ``cwd``; stdout as text. Fails the test with git's stderr."""
    done = subprocess.run(
        ["git", *args], cwd=cwd, env=git_env(), input=input, capture_output=True, check=False
    )
    if check and done.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed: {done.stderr.decode()}")
    return done.stdout.decode("utf-8", "surrogateescape")


def _quote(path: str) -> bytes:
    # fast-import accepts C-style quoted paths; quoting always keeps spaces, quotes and
    # newlines unambiguous. Non-ASCII bytes may stay raw inside the quotes.
    raw = path.encode("utf-8", "surrogateescape")
    escaped = raw.replace(b"\\", b"\\\\").replace(b'"', b'\\"').replace(b"\n", b"\\n")
    return b'"' + escaped + b'"'


def _data(content: bytes) -> bytes:
    return b"data %d\n" % len(content) + content + b"\n"


class GitRepo:
    """A repository under test: ``path`` is the work tree, or the git dir when bare."""

    def __init__(self, path: Path, *, bare: bool) -> None:
        self.path = Path(path)
        self.bare = bare
        self._commits = 0

    @classmethod
    def create(cls, path: Path, *, bare: bool = False, branch: str = "main") -> GitRepo:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        run(path, "init", "-q", f"--initial-branch={branch}", *(["--bare"] if bare else []))
        return cls(path, bare=bare)

    @property
    def git_dir(self) -> Path:
        return self.path if self.bare else self.path / ".git"

    def git(self, *args: str, input: bytes | None = None, check: bool = True) -> str:
        return run(self.path, *args, input=input, check=check)

    def rev(self, ref: str) -> str:
        return self.git("rev-parse", "--verify", f"{ref}^{{commit}}").strip()

    def exists(self, ref: str) -> bool:
        return bool(self.git("rev-parse", "--verify", "--quiet", ref, check=False).strip())

    def commit(
        self,
        branch: str,
        files: Mapping[str, str | bytes] | None = None,
        *,
        delete: Iterable[str] = (),
        message: str | None = None,
        start: str | None = None,
    ) -> str:
        """Commit ``files`` (path → content) and deletions on ``branch``; return the commit id.

        The commit's parent is ``start`` when given, else the branch tip; a branch that does
        not exist yet without ``start`` gets a root commit.
        """
        self._commits += 1
        when = b"%d +0000" % (_EPOCH + 60 * self._commits)
        text = (f"commit {self._commits} on {branch}" if message is None else message).encode()
        stream = [
            b"commit refs/heads/" + branch.encode() + b"\n",
            b"author " + AUTHOR.encode() + b" " + when + b"\n",
            b"committer " + AUTHOR.encode() + b" " + when + b"\n",
            _data(text),
        ]
        if start is not None:
            stream.append(b"from " + self.rev(start).encode() + b"\n")
        elif self.exists(f"refs/heads/{branch}"):
            stream.append(b"from " + self.rev(f"refs/heads/{branch}").encode() + b"\n")
        stream.extend(b"D " + _quote(path) + b"\n" for path in delete)
        for path, content in (files or {}).items():
            raw = content.encode() if isinstance(content, str) else content
            stream.append(b"M 100644 inline " + _quote(path) + b"\n" + _data(raw))
        stream.append(b"done\n")
        self.git("fast-import", "--quiet", "--force", "--done", input=b"".join(stream))
        if not self.bare and self.current_branch() == branch:
            self.git("reset", "-q", "--hard")
        return self.rev(f"refs/heads/{branch}")

    def branch(self, name: str, start: str = "main") -> str:
        """Create or move ``name`` to ``start``; return its commit id."""
        sha = self.rev(start)
        self.git("update-ref", f"refs/heads/{name}", sha)
        return sha

    def current_branch(self) -> str | None:
        ref = self.git("symbolic-ref", "-q", "HEAD", check=False).strip()
        return ref.removeprefix("refs/heads/") or None

    def checkout(self, branch: str) -> None:
        self.git("checkout", "-q", branch)

    def read(self, ref: str, path: str) -> str:
        return self.git("show", f"{ref}:{path}")

    def files(self, ref: str) -> dict[str, str]:
        """Every file of ``ref``'s tree with its content."""
        names = [n for n in self.git("ls-tree", "-r", "-z", "--name-only", ref).split("\0") if n]
        return {name: self.read(ref, name) for name in names}

    def parents(self, ref: str) -> list[str]:
        return self.git("rev-list", "--parents", "-n", "1", ref).split()[1:]

    def status(self, worktree: Path | None = None) -> str:
        """``git status --porcelain`` (untracked files included) of a work tree."""
        return run(worktree or self.path, "status", "--porcelain")

    def add_worktree(self, path: Path, branch: str) -> Path:
        self.git("worktree", "add", "-q", str(path), branch)
        return Path(path)

    def clone_bare(self, path: Path) -> GitRepo:
        run(self.path, "clone", "-q", "--bare", str(self.path), str(path))
        return GitRepo(Path(path), bare=True)


# Global options that precede the subcommand and take a separate value.
_VALUED_GLOBAL_OPTIONS = frozenset({"--git-dir", "--work-tree", "-c", "-C"})


class GitCallLog:
    """Every git process started while the wrapper in ``directory`` is first on PATH.

    The wrapper appends its arguments to a log and ``exec``s the real git, so what is counted
    is real git doing real work.
    """

    def __init__(self, directory: Path) -> None:
        real_git = shutil.which("git")
        assert real_git, "git is not on PATH"
        directory.mkdir(parents=True, exist_ok=True)
        self.directory = directory
        self.log = directory / "calls.log"
        wrapper = directory / "git"
        # One line per process, arguments separated by the ASCII unit separator, written in
        # one append so that processes started side by side do not interleave their lines.
        wrapper.write_text(
            "#!/bin/sh\n"
            "us=$(printf '\\037')\n"
            'line=""\n'
            'for arg in "$@"; do line="$line$arg$us"; done\n'
            f"printf '%s\\n' \"$line\" >> '{self.log}'\n"
            f"exec '{real_git}' \"$@\"\n"
        )
        wrapper.chmod(0o755)

    def calls(self) -> list[list[str]]:
        if not self.log.exists():
            return []
        lines = self.log.read_text().splitlines()
        return [line.split("\x1f")[:-1] for line in lines]

    def commands(self) -> list[str]:
        """The subcommand of each call (``merge-tree``, ``cat-file``, ...), in order."""
        names = []
        for argv in self.calls():
            pos = 0
            while pos < len(argv) and argv[pos].startswith("-"):
                pos += 2 if argv[pos] in _VALUED_GLOBAL_OPTIONS else 1
            names.append(argv[pos] if pos < len(argv) else "")
        return names

    def clear(self) -> None:
        self.log.unlink(missing_ok=True)


def record_git_calls(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> GitCallLog:
    """Put a logging git wrapper first on PATH for the rest of the test.

    Create the ``GitRepository`` under test afterwards: it captures PATH when constructed.
    """
    log = GitCallLog(tmp_path / "git-call-log")
    monkeypatch.setenv("PATH", f"{log.directory}{os.pathsep}{os.environ['PATH']}")
    return log
