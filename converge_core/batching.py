"""Batched checks: which intents are tested together, how a red batch is bisected, how the
window of the next batch adapts.

A batch is the chained merged tree of the next K compatible intents of one target (the target
plus each member merged onto the previous result, in queue order). Its checks run once on that
tree; when they pass, the members merge in the same order so the target ends on exactly the
tested tree.

**Composition.** The head of the queue decides: an intent that must be tested alone (a
critical intent, a profile with ``batch: false``, an intent that jumped the queue) forms a
batch of one; otherwise the batch takes the following intents up to the window, stopping
before the first one that must be tested alone, so the queue order is never changed.

**Bisection.** A red batch is split in halves, the first half first. Every tree tested is the
target plus the members already found good plus a contiguous segment, so the good members
always merge in queue order and the tree of each later test is exactly what would be merged.
A segment whose tree is already known to fail (the second half when the first passed: its tree
is the red tree again) is split without a test; a failing segment of one member is the
failing intent. With one failing intent among N the search costs about log2(N) extra runs.

**Window (Zuul).** After a green batch the window grows by one, after a red one it halves,
always within ``[min_size, max_size]``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class BatchSettings:
    """The ``queue.batch`` section of the policy."""

    size: int = 4
    min_size: int = 1
    max_size: int = 16
    adaptive: bool = True


@dataclass(frozen=True)
class BatchCandidate:
    intent_id: str
    alone: bool = False  # tested alone: critical, ``batch: false`` or jumped


def compose_batch(candidates: Sequence[BatchCandidate], window: int) -> list[str]:
    """The ids of the next batch taken from the head of ``candidates`` (queue order)."""
    if not candidates:
        return []
    head = candidates[0]
    if head.alone or window <= 1:
        return [head.intent_id]
    batch = [head.intent_id]
    for candidate in candidates[1:]:
        if len(batch) >= window or candidate.alone:
            break
        batch.append(candidate.intent_id)
    return batch


def adapt_window(window: int, passed: bool, settings: BatchSettings) -> int:
    """The window after a batch: one more after green, half after red, within the bounds."""
    if not settings.adaptive:
        return clamp_window(settings.size, settings)
    grown = window + 1 if passed else window // 2
    return clamp_window(grown, settings)


def clamp_window(window: int, settings: BatchSettings) -> int:
    return max(settings.min_size, min(settings.max_size, window))


@dataclass
class Bisection:
    """The search for the failing members of a red batch, one tree at a time.

    ``next_tree()`` returns the members of the next tree to test (always the members found
    good so far followed by one contiguous segment) or ``None`` when the search is over;
    ``record(tree, passed)`` gives its result. ``good`` and ``bad`` hold the verdicts, both in
    queue order.
    """

    members: tuple[str, ...]
    good: list[str] = field(default_factory=list)
    bad: list[str] = field(default_factory=list)
    tested: list[tuple[tuple[str, ...], bool]] = field(default_factory=list)
    _stack: list[tuple[str, ...]] = field(default_factory=list)
    _known: dict[tuple[str, ...], bool] = field(default_factory=dict)

    @classmethod
    def of_failed_batch(cls, members: Sequence[str]) -> Bisection:
        bisection = cls(tuple(members))
        bisection._known[tuple(members)] = False
        bisection._stack.append(tuple(members))
        return bisection

    def next_tree(self) -> tuple[str, ...] | None:
        while self._stack:
            segment = self._stack[-1]
            tree = (*self.good, *segment)
            if tree not in self._known:
                return tree
            self._stack.pop()
            if self._known[tree]:
                self.good.extend(segment)
            elif len(segment) == 1:
                self.bad.append(segment[0])
            else:
                half = (len(segment) + 1) // 2
                self._stack.append(segment[half:])
                self._stack.append(segment[:half])
        return None

    def record(self, tree: Sequence[str], passed: bool) -> None:
        key = tuple(tree)
        self._known[key] = passed
        self.tested.append((key, passed))
