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
    command = ["git", *args]
    try:
        proc = subprocess.run(
            command, cwd=cwd, env=env, input=stdin, capture_output=True, check=False
        )
    except OSError as exc:  # git missing from PATH, or cwd gone
        raise GitError(f"cannot run git in {cwd}: {exc}", command=command) from exc
    if proc.returncode not in ok:
        stderr = proc.stderr.decode("utf-8", "replace").strip()
        # git prints its fatal reason last; earlier lines are hints and warnings.
        reason = stderr.splitlines()[-1] if stderr else "no error output"
        raise GitError(
            f"git {args[0] if args else ''} failed (exit {proc.returncode}): {reason}",
            command=command,
            returncode=proc.returncode,
            stderr=stderr,
        )
    return proc


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
