"""Running git: a sanitised environment, no shell, and the version gate."""

from __future__ import annotations

import functools
import os
import re
import subprocess
from collections.abc import Container, Mapping, Sequence

from converge_core.git.errors import GitError, GitTooOld

MIN_GIT_VERSION = (2, 38, 0)  # merge-tree --write-tree

# Variables that would point git at another repository, index or object store than the one
# the engine addresses explicitly (e.g. when Converge runs from inside a git hook), and
# identities/dates that would leak into merge commits.
_INHERITED_GIT_VARIABLES = frozenset(
    {
        "GIT_DIR",
        "GIT_WORK_TREE",
        "GIT_INDEX_FILE",
        "GIT_OBJECT_DIRECTORY",
        "GIT_ALTERNATE_OBJECT_DIRECTORIES",
        "GIT_COMMON_DIR",
        "GIT_NAMESPACE",
        "GIT_PREFIX",
        "GIT_IMPLICIT_WORK_TREE",
        "GIT_GRAFT_FILE",
        "GIT_SHALLOW_FILE",
        "GIT_INTERNAL_SUPER_PREFIX",
        "GIT_REPLACE_REF_BASE",
        "GIT_NO_REPLACE_OBJECTS",
        "GIT_AUTHOR_NAME",
        "GIT_AUTHOR_EMAIL",
        "GIT_AUTHOR_DATE",
        "GIT_COMMITTER_NAME",
        "GIT_COMMITTER_EMAIL",
        "GIT_COMMITTER_DATE",
    }
)


def git_environment(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of every git process: inherited minus repository overrides."""
    env = {k: v for k, v in os.environ.items() if k not in _INHERITED_GIT_VARIABLES}
    env.update({"LC_ALL": "C", "GIT_TERMINAL_PROMPT": "0"})
    if extra:
        env.update(extra)
    return env


def run_git(
    args: Sequence[str],
    *,
    cwd: str,
    env: Mapping[str, str],
    stdin: bytes | None = None,
    ok: Container[int] = (0,),
) -> subprocess.CompletedProcess[bytes]:
    """Run ``git <args>``; a return code outside ``ok`` raises :class:`GitError`."""
    return start_git(args, cwd=cwd, env=env, stdin=stdin).result(ok)


class StartedGit:
    """A git process started by :func:`start_git`; :meth:`result` waits for it."""

    def __init__(self, command: list[str], proc: subprocess.Popen[bytes], stdin: bytes | None):
        self.command = command
        self._proc = proc
        self._stdin = stdin

    def result(self, ok: Container[int] = (0,)) -> subprocess.CompletedProcess[bytes]:
        """Wait for the process; a return code outside ``ok`` raises :class:`GitError`."""
        try:
            stdout, stderr = self._proc.communicate(self._stdin)
        except BaseException:  # interrupted: leave no git process behind
            self._proc.kill()
            self._proc.wait()
            raise
        proc = subprocess.CompletedProcess(self.command, self._proc.returncode, stdout, stderr)
        if proc.returncode not in ok:
            text = stderr.decode("utf-8", "replace").strip()
            # git prints its fatal reason last; earlier lines are hints and warnings.
            reason = text.splitlines()[-1] if text else "no error output"
            raise GitError(
                f"git {self.command[1] if len(self.command) > 1 else ''} failed "
                f"(exit {proc.returncode}): {reason}",
                command=self.command,
                returncode=proc.returncode,
                stderr=text,
            )
        return proc


def start_git(
    args: Sequence[str], *, cwd: str, env: Mapping[str, str], stdin: bytes | None = None
) -> StartedGit:
    """Start ``git <args>`` without waiting, so that independent git processes run side by
    side (the caller collects each with :meth:`StartedGit.result`)."""
    command = ["git", *args]
    try:
        proc = subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdin=subprocess.PIPE if stdin is not None else None,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
    except OSError as exc:  # git missing from PATH, or cwd gone
        raise GitError(f"cannot run git in {cwd}: {exc}", command=command) from exc
    return StartedGit(command, proc, stdin)


@functools.cache
def git_version() -> tuple[int, int, int]:
    """The installed git's version, e.g. ``(2, 39, 5)`` (cached for the process)."""
    proc = run_git(["--version"], cwd=os.sep, env=git_environment())
    text = proc.stdout.decode("ascii", "replace")
    match = re.search(r"(\d+)\.(\d+)(?:\.(\d+))?", text)
    if match is None:
        raise GitError(f"cannot parse git version from {text.strip()!r}")
    major, minor, patch = match.groups()
    return int(major), int(minor), int(patch or 0)


def require_git(min: tuple[int, int, int] = MIN_GIT_VERSION) -> tuple[int, int, int]:
    """Fail clearly when git is older than ``min``; return the installed version."""
    version = git_version()
    if version < min:
        have = ".".join(map(str, version))
        need = ".".join(map(str, min))
        raise GitTooOld(
            f"git {need} or newer is required (merge-tree --write-tree), found {have}",
            found=have,
            required=need,
        )
    return version
