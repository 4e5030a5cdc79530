"""Reading branch heads straight from the ref store, without starting git.

Resolving the two refs of a simulation is the only git process a validation can save: branch
heads are plain files (``refs/heads/<name>``) or lines of ``packed-refs``, both replaced
atomically by git, so reading them is safe while git writes. Anything unusual (a symbolic
ref, the reftable backend, a name that is not a branch) answers ``None`` and the caller asks
git itself.
"""

from __future__ import annotations

import os
import re

OBJECT_ID = re.compile(r"[0-9a-f]{40}")


class BranchRefReader:
    def __init__(self, common_dir: str) -> None:
        self.common_dir = common_dir
        self._packed: tuple[tuple[int, int], dict[str, str]] | None = None
        self.usable = not os.path.exists(os.path.join(common_dir, "reftable"))

    def _packed_refs(self) -> dict[str, str]:
        path = os.path.join(self.common_dir, "packed-refs")
        try:
            stat = os.stat(path)
        except FileNotFoundError:
            return {}
        key = (stat.st_mtime_ns, stat.st_size)
        if self._packed is None or self._packed[0] != key:
            refs: dict[str, str] = {}
            with open(path, encoding="utf-8", errors="surrogateescape") as handle:
                for line in handle:
                    if line.startswith(("#", "^")):
                        continue
                    sha, _, name = line.rstrip("\n").partition(" ")
                    refs[name] = sha
            self._packed = (key, refs)
        return self._packed[1]

    def branch(self, name: str) -> str | None:
        """The commit id of ``refs/heads/<name>``, or ``None`` to let git answer."""
        if not self.usable:
            return None
        ref = f"refs/heads/{name}"
        try:
            with open(os.path.join(self.common_dir, ref), encoding="ascii") as handle:
                value = handle.read().strip()
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError, UnicodeError):
            value = self._packed_refs().get(ref, "")
        return value if OBJECT_ID.fullmatch(value) else None
