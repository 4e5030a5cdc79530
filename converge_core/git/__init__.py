"""The git engine (no Django): ref validation, simulation, speculative chains, safe merges.

See ``repository.GitRepository`` for the operations and ``refnames`` for ref-name rules.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from converge_core.lazy import lazy_getattr

if TYPE_CHECKING:
    from converge_core.git.errors import (
        CheckoutUpdateFailed,
        DirtyCheckout,
        GitError,
        GitTooOld,
        InvalidRef,
        NotARepository,
        TargetMoved,
        UnknownRef,
    )
    from converge_core.git.history import CommitInfo
    from converge_core.git.mergetree import MergeMessage, MergeTreeResult
    from converge_core.git.refnames import (
        is_valid_branch_name,
        is_valid_refname,
        validate_branch_name,
    )
    from converge_core.git.repository import GitRepository
    from converge_core.git.results import ChainStep, Simulation
    from converge_core.git.runner import MIN_GIT_VERSION, git_version, require_git

# Each name is imported from its module when first used, so importing one submodule (or one
# name) does not import the whole package: a command that never runs it does not pay for it.
_EXPORTS = {
    "CheckoutUpdateFailed": "converge_core.git.errors",
    "DirtyCheckout": "converge_core.git.errors",
    "GitError": "converge_core.git.errors",
    "GitTooOld": "converge_core.git.errors",
    "InvalidRef": "converge_core.git.errors",
    "NotARepository": "converge_core.git.errors",
    "TargetMoved": "converge_core.git.errors",
    "UnknownRef": "converge_core.git.errors",
    "CommitInfo": "converge_core.git.history",
    "MergeMessage": "converge_core.git.mergetree",
    "MergeTreeResult": "converge_core.git.mergetree",
    "is_valid_branch_name": "converge_core.git.refnames",
    "is_valid_refname": "converge_core.git.refnames",
    "validate_branch_name": "converge_core.git.refnames",
    "GitRepository": "converge_core.git.repository",
    "ChainStep": "converge_core.git.results",
    "Simulation": "converge_core.git.results",
    "MIN_GIT_VERSION": "converge_core.git.runner",
    "git_version": "converge_core.git.runner",
    "require_git": "converge_core.git.runner",
}


__getattr__ = lazy_getattr(__name__, _EXPORTS, globals())


__all__ = [
    "MIN_GIT_VERSION",
    "ChainStep",
    "CheckoutUpdateFailed",
    "CommitInfo",
    "DirtyCheckout",
    "GitError",
    "GitRepository",
    "GitTooOld",
    "InvalidRef",
    "MergeMessage",
    "MergeTreeResult",
    "NotARepository",
    "Simulation",
    "TargetMoved",
    "UnknownRef",
    "git_version",
    "is_valid_branch_name",
    "is_valid_refname",
    "require_git",
    "validate_branch_name",
]
