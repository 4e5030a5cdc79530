"""Errors raised by the git engine, mapped onto the shared domain errors."""

from __future__ import annotations

from collections.abc import Sequence

from converge_core.errors import InvalidInput, OperationFailed


class GitError(OperationFailed):
    """A git process failed or produced output the engine cannot parse."""

    code = "git_error"

    def __init__(
        self,
        message: str,
        *,
        command: Sequence[str] = (),
        returncode: int | None = None,
        stderr: str = "",
    ) -> None:
        super().__init__(message, command=list(command), returncode=returncode, stderr=stderr)
        self.command = list(command)
        self.returncode = returncode
        self.stderr = stderr


class GitTooOld(OperationFailed):
    """The installed git lacks a feature the engine needs (``merge-tree --write-tree``)."""

    code = "git_too_old"


class NotARepository(InvalidInput):
    """The configured path is not inside a git repository."""

    code = "not_a_repository"


class InvalidRef(InvalidInput):
    """A user-supplied ref name breaks git's ref-name rules."""

    code = "invalid_ref"


class UnknownRef(InvalidInput):
    """A well-formed ref that does not name a commit in the repository."""

    code = "unknown_ref"


class TargetMoved(OperationFailed):
    """The compare-and-swap on the target ref failed: someone else moved it first."""

    code = "target_moved"

    def __init__(self, message: str, *, target: str, expected: str, current: str | None) -> None:
        super().__init__(message, target=target, expected=expected, current=current)
        self.target = target
        self.expected = expected
        self.current = current


class DirtyCheckout(OperationFailed):
    """A work tree that has the target checked out holds changes the merge would clobber."""

    code = "dirty_checkout"

    def __init__(self, message: str, *, worktree: str, files: Sequence[str]) -> None:
        super().__init__(message, worktree=worktree, files=list(files))
        self.worktree = worktree
        self.files = list(files)


class CheckoutUpdateFailed(OperationFailed):
    """Advancing a checked-out target failed after the ref moved; the ref was moved back."""

    code = "checkout_update_failed"

    def __init__(self, message: str, *, worktree: str, restored: bool) -> None:
        super().__init__(message, worktree=worktree, restored=restored)
        self.worktree = worktree
        self.restored = restored
