"""The git engine (no Django): ref validation, simulation, speculative chains, safe merges.

See ``repository.GitRepository`` for the operations and ``refnames`` for ref-name rules.
"""

from __future__ import annotations

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
