"""Value objects returned by the git engine."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Simulation:
    """The outcome of merging ``source`` into ``target`` without touching any work tree.

    ``conflicts`` is sorted and deduplicated; ``files_changed`` is the source's own changes
    since the merge base in git's order; ``tree_sha`` is the merged tree, with conflict markers
    when not mergeable.
    """

    mergeable: bool
    conflicts: tuple[str, ...]
    files_changed: tuple[str, ...]
    source: str
    target: str
    source_sha: str
    target_sha: str
    tree_sha: str
    timestamp: datetime

    def to_payload(self) -> dict[str, Any]:
        return {
            "mergeable": self.mergeable,
            "conflicts": list(self.conflicts),
            "files_changed": list(self.files_changed),
            "source": self.source,
            "target": self.target,
            "source_sha": self.source_sha,
            "target_sha": self.target_sha,
            "tree_sha": self.tree_sha,
        }


@dataclass(frozen=True)
class ChainStep:
    """One candidate of a speculative chain.

    ``conflicts_with`` holds the indices (into the ``sources`` list) of earlier candidates
    merged into the virtual head whose own changes touch the conflicting files.
    ``conflicts_with_target`` tells whether the candidate also conflicts with the real target
    head alone (a real block) or only with earlier candidates (a speculative conflict).
    For a mergeable step, ``tree_sha`` is exactly the tree a real merge of the surviving
    candidates in this order would produce, and ``files_changed`` the candidate's own changes
    since its merge base with the head it merges onto (``None`` when that head and the source
    have several merge bases, or none).
    """

    index: int
    source: str
    source_sha: str
    mergeable: bool
    conflicts: tuple[str, ...]
    conflicts_with: tuple[int, ...]
    conflicts_with_target: bool
    tree_sha: str
    files_changed: tuple[str, ...] | None = None

    def to_payload(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "source": self.source,
            "source_sha": self.source_sha,
            "mergeable": self.mergeable,
            "conflicts": list(self.conflicts),
            "conflicts_with": list(self.conflicts_with),
            "conflicts_with_target": self.conflicts_with_target,
            "tree_sha": self.tree_sha,
        }
