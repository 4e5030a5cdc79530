"""Work trees that have a branch checked out, and whether a merge may update them.

Pure functions over git's output and the file system; ``GitRepository.merge`` runs the git
processes (decisions §31).
"""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Checkout:
    path: str
    head: str


def parse_worktree_list(out: bytes, ref: str) -> list[Checkout]:
    """Entries of ``git worktree list --porcelain -z`` that have ``ref`` checked out."""
    checkouts: list[Checkout] = []
    entry: dict[str, str] = {}
    for field in [*out.decode("utf-8", "surrogateescape").split("\0"), ""]:
        if field:
            key, _, value = field.partition(" ")
            entry[key] = value
            continue
        # An empty field closes an entry; prunable entries have lost their directory.
        if entry.get("branch") == ref and "bare" not in entry and "prunable" not in entry:
            checkouts.append(Checkout(entry["worktree"], entry["HEAD"]))
        entry = {}
    return checkouts


def porcelain_paths(status: bytes) -> list[str]:
    """Paths of ``git status --porcelain -z`` entries ("XY path"; a rename adds its origin)."""
    fields = status.decode("utf-8", "surrogateescape").split("\0")
    paths: set[str] = set()
    pos = 0
    while pos < len(fields) and fields[pos]:
        entry = fields[pos]
        paths.add(entry[3:])
        pos += 1
        if "R" in entry[:2] or "C" in entry[:2]:
            paths.add(fields[pos])
            pos += 1
    return sorted(paths)


def split_untracked(status: bytes) -> tuple[bytes, bool]:
    """``git status --porcelain -z`` output without its untracked (``??``) and ignored
    (``!!``) entries, and whether it had any."""
    fields = status.split(b"\0")
    kept: list[bytes] = []
    untracked = False
    pos = 0
    while pos < len(fields) and fields[pos]:
        entry = fields[pos]
        pos += 1
        if entry[:2] in (b"??", b"!!"):
            untracked = True
            continue
        kept.append(entry)
        if b"R" in entry[:2] or b"C" in entry[:2]:
            kept.append(fields[pos])
            pos += 1
    return b"".join(field + b"\0" for field in kept), untracked


def untracked_in_the_way(
    worktree: str, added: frozenset[str], deleted: frozenset[str]
) -> list[str]:
    """Untracked files at paths the merge adds, or where an added path needs a directory.

    Only valid for a clean checkout of the old commit: its index then equals the old tree, so
    anything on disk at an added path is untracked. A directory whose tracked files the merge
    deletes is being replaced, not in the way (``read-tree`` still refuses if it holds
    untracked files, and the merge is then undone).
    """
    blocked: set[str] = set()
    for path in added:
        full = os.path.join(worktree, path)
        if os.path.lexists(full):
            replaced_dir = os.path.isdir(full) and any(d.startswith(path + "/") for d in deleted)
            if not replaced_dir:
                blocked.add(path)
        parts = path.split("/")
        for depth in range(1, len(parts)):
            parent = "/".join(parts[:depth])
            full_parent = os.path.join(worktree, parent)
            if (
                parent not in deleted
                and os.path.lexists(full_parent)
                and (os.path.islink(full_parent) or not os.path.isdir(full_parent))
            ):
                blocked.add(parent)
    return sorted(blocked)
