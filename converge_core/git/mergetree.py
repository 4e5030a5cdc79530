"""Parsing ``git merge-tree --write-tree -z --name-only --messages`` output.

One merge's output is NUL-separated fields::

    <tree> NUL (<conflicted path> NUL)* NUL (<n> NUL (<path> NUL){n} <type> NUL <text> NUL)*

With ``--stdin`` each merge is preceded by a status field (``1`` clean, ``0`` conflicted) and
followed by one more NUL. The conflicted-path list is empty for a clean merge; the empty field
after it is always present because ``--messages`` is always passed.
"""

from __future__ import annotations

from dataclasses import dataclass

from converge_core.git.errors import GitError
from converge_core.git.refnames import OBJECT_ID


def _text(field: bytes) -> str:
    # Paths are bytes in git; surrogateescape keeps non-UTF-8 names round-trippable.
    return field.decode("utf-8", "surrogateescape")


@dataclass(frozen=True)
class MergeMessage:
    """One informational or conflict message: the paths involved, a stable type, the text."""

    paths: tuple[str, ...]
    kind: str
    text: str

    @property
    def is_conflict(self) -> bool:
        return self.kind.startswith("CONFLICT")


@dataclass(frozen=True)
class MergeTreeResult:
    clean: bool
    tree: str
    conflicted: tuple[str, ...]
    messages: tuple[MergeMessage, ...]

    @property
    def conflicts(self) -> tuple[str, ...]:
        """Sorted, deduplicated paths involved in conflicts.

        The union of the paths left with conflict stages and the paths named by ``CONFLICT``
        messages: the latter adds the original side of renames and of files moved aside
        (``rd.txt`` for a rename/delete whose staged path is ``rd-renamed.txt``), which is
        what other changes touched and therefore what conflict attribution must match.
        """
        paths = set(self.conflicted)
        for message in self.messages:
            if message.is_conflict:
                paths.update(message.paths)
        return tuple(sorted(paths))


class _Fields:
    def __init__(self, output: bytes) -> None:
        self._fields = output.split(b"\0")
        self._pos = 0

    def take(self) -> bytes:
        if self._pos >= len(self._fields):
            raise GitError("truncated git merge-tree output")
        field = self._fields[self._pos]
        self._pos += 1
        return field

    def exhausted(self) -> bool:
        # split() leaves one empty field after the final NUL.
        return self._pos >= len(self._fields) - 1 and not any(self._fields[self._pos :])


def _parse_one(fields: _Fields, clean: bool) -> MergeTreeResult:
    tree = _text(fields.take())
    if not OBJECT_ID.fullmatch(tree):
        raise GitError(f"unexpected git merge-tree output: tree field {tree!r}")
    conflicted: list[str] = []
    while path := fields.take():
        conflicted.append(_text(path))
    messages: list[MergeMessage] = []
    while count_field := fields.take():
        try:
            count = int(count_field)
        except ValueError as exc:
            raise GitError(f"unexpected git merge-tree message header {count_field!r}") from exc
        paths = tuple(_text(fields.take()) for _ in range(count))
        kind = _text(fields.take())
        text = _text(fields.take()).rstrip("\n")
        messages.append(MergeMessage(paths, kind, text))
    return MergeTreeResult(clean, tree, tuple(conflicted), tuple(messages))


def parse_merge_tree(output: bytes, returncode: int) -> MergeTreeResult:
    """Parse one ``merge-tree --write-tree -z --name-only --messages`` run (exit 0 or 1)."""
    fields = _Fields(output)
    result = _parse_one(fields, clean=returncode == 0)
    if not fields.exhausted():
        raise GitError("unexpected trailing git merge-tree output")
    return result


def parse_merge_tree_stdin(output: bytes) -> list[MergeTreeResult]:
    """Parse the concatenated results of ``merge-tree --stdin`` (same options)."""
    fields = _Fields(output)
    results: list[MergeTreeResult] = []
    while not fields.exhausted():
        status = fields.take()
        if status not in (b"0", b"1"):
            raise GitError(f"unexpected git merge-tree --stdin status {status!r}")
        results.append(_parse_one(fields, clean=status == b"1"))
    return results
