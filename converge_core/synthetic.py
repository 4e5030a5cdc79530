"""A deterministic synthetic repository for tests and benchmarks.

``build_synthetic_repo`` writes ``main`` with ``packages × modules_per_package`` Python modules
(``src/pkgNN/modNNN.py``, a src layout; 25 × 40 = 1,000 by default) and branches of four
kinds, all forked from main's first commit:

- ``clean/NN``: 2–5 modules of one package; beyond what the modules allow, clean branches
  share modules with earlier clean branches but edit another function, so they still merge;
- ``conflict/NN-a`` and ``conflict/NN-b``: a pair editing the same line of the same module
  differently (each merges cleanly into main, the second conflicts once the first is in);
- ``main-conflict/NN``: edits a line that main edits differently in its second commit;
- ``wide/NN``: 12 modules over 4 packages.

Everything is written by one ``git fast-import`` process with fixed identities and dates, so
the same arguments always give the same commit ids.
"""

from __future__ import annotations

import itertools
import os
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from converge_core.git.runner import git_environment, run_git

IDENTITY = "Converge Synthetic <synthetic@converge.invalid>"
_EPOCH = 1_700_000_000
_FUNCTIONS = 6
# Which function's return line each kind edits (any fixed choice works: files never overlap
# between branches except where a conflict is intended).
_CLEAN_FN, _PAIR_FN, _MAIN_FN, _WIDE_FN = 1, 2, 3, 4
# Functions clean branches edit in successive rounds over the same modules.
_CLEAN_FNS = (_CLEAN_FN, 5, 0)
WIDE_PACKAGES, WIDE_FILES_PER_PACKAGE = 4, 3


@dataclass(frozen=True)
class BranchSpec:
    """How many branches of each kind to create."""

    clean: int = 10
    conflicting_pairs: int = 3
    conflicts_with_main: int = 2
    wide: int = 2


@dataclass(frozen=True)
class SyntheticRepo:
    """What ``build_synthetic_repo`` built.

    ``files`` maps each branch to the modules it changes; its ``main`` key, present when
    ``conflicts_with_main`` branches exist, lists the modules main's second commit edits.
    """

    path: Path
    bare: bool
    main_sha: str
    fork_sha: str
    clean: tuple[str, ...]
    conflicting_pairs: tuple[tuple[str, str], ...]
    conflicts_with_main: tuple[str, ...]
    wide: tuple[str, ...]
    files: Mapping[str, tuple[str, ...]]

    @property
    def branches(self) -> tuple[str, ...]:
        pairs = tuple(name for pair in self.conflicting_pairs for name in pair)
        return self.clean + pairs + self.conflicts_with_main + self.wide

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "bare": self.bare,
            "main_sha": self.main_sha,
            "fork_sha": self.fork_sha,
            "clean": list(self.clean),
            "conflicting_pairs": [list(pair) for pair in self.conflicting_pairs],
            "conflicts_with_main": list(self.conflicts_with_main),
            "wide": list(self.wide),
            "files": {branch: list(paths) for branch, paths in self.files.items()},
        }


def module_path(package: int, module: int) -> str:
    return f"src/pkg{package:02d}/mod{module:03d}.py"


def _module_source(package: int, module: int, edits: Mapping[int, str]) -> bytes:
    lines = [
        f'"""Synthetic module pkg{package:02d}.mod{module:03d}."""',
        "",
        "from __future__ import annotations",
        "",
    ]
    if module:
        lines += [f"from pkg{package:02d} import mod{module - 1:03d} as previous", ""]
    lines.append(f"CONSTANT = {package * 1000 + module}")
    for fn in range(_FUNCTIONS):
        body = edits.get(fn, f"value + {package * 1000 + module * 10 + fn}")
        lines += ["", "", f"def compute_{fn}(value: int) -> int:", f"    return {body}"]
    return ("\n".join(lines) + "\n").encode()


class _Allocator:
    """Hands out modules so that no two branches share a file unless asked to.

    Clean branches stay below ``clean_cap`` in each package, leaving the rest for the kinds
    that need modules of their own. When a package's clean region is used up, clean branches
    start another round over it editing a different function: they share files with earlier
    clean branches but still merge cleanly (the functions are far enough apart for git).
    """

    def __init__(self, packages: int, modules_per_package: int, clean_cap: int) -> None:
        self._next = [0] * packages
        self._limit = modules_per_package
        self._clean_cap = clean_cap
        self._round = [0] * packages
        self._cursor = [0] * packages
        self._packages: Iterator[int] = itertools.cycle(range(packages))

    def package(self) -> int:
        return next(self._packages)

    def take(self, package: int, count: int) -> list[tuple[int, int]]:
        start = self._next[package]
        if start + count > self._limit:
            raise ValueError(
                f"pkg{package:02d} has too few modules for the requested branches; "
                "raise modules_per_package or request fewer branches"
            )
        self._next[package] = start + count
        return [(package, module) for module in range(start, start + count)]

    def take_clean(self, package: int, count: int) -> tuple[list[tuple[int, int]], int]:
        """Modules for a clean branch and the round (which function it edits)."""
        if self._round[package] == 0 and self._next[package] + count <= self._clean_cap:
            return self.take(package, count), 0
        if self._round[package] == 0 or self._cursor[package] + count > self._clean_cap:
            self._round[package] += 1
            self._cursor[package] = 0
        if self._round[package] >= len(_CLEAN_FNS) or count > self._clean_cap:
            raise ValueError(
                f"pkg{package:02d} has too few modules for the requested clean branches; "
                "raise modules_per_package or request fewer branches"
            )
        start = self._cursor[package]
        self._cursor[package] = start + count
        return [(package, module) for module in range(start, start + count)], self._round[package]


def _commit(ref: str, mark: int, message: str, parent: int | None) -> list[bytes]:
    when = f"{_EPOCH + mark * 60} +0000"
    text = message.encode()
    lines = [
        f"commit {ref}\n".encode(),
        f"mark :{mark}\n".encode(),
        f"author {IDENTITY} {when}\n".encode(),
        f"committer {IDENTITY} {when}\n".encode(),
        b"data %d\n" % len(text) + text + b"\n",
    ]
    if parent is not None:
        lines.append(f"from :{parent}\n".encode())
    return lines


def _modify(package: int, module: int, edits: Mapping[int, str]) -> bytes:
    content = _module_source(package, module, edits)
    path = module_path(package, module)
    return f"M 100644 inline {path}\n".encode() + b"data %d\n" % len(content) + content + b"\n"


def build_synthetic_repo(
    path: str | os.PathLike[str],
    *,
    packages: int = 25,
    modules_per_package: int = 40,
    branches: BranchSpec | None = None,
    bare: bool = False,
) -> SyntheticRepo:
    """Create the repository at ``path`` (which must not exist or be empty)."""
    spec = branches or BranchSpec()
    if packages < 1 or modules_per_package < 1:
        raise ValueError("packages and modules_per_package must be at least 1")
    if spec.wide and packages < WIDE_PACKAGES:
        raise ValueError(f"wide branches need at least {WIDE_PACKAGES} packages")
    root = Path(path).absolute()
    root.mkdir(parents=True, exist_ok=True)
    env = git_environment(
        {
            "GIT_AUTHOR_NAME": "Converge Synthetic",
            "GIT_AUTHOR_EMAIL": "synthetic@converge.invalid",
            "GIT_COMMITTER_NAME": "Converge Synthetic",
            "GIT_COMMITTER_EMAIL": "synthetic@converge.invalid",
            "GIT_AUTHOR_DATE": f"{_EPOCH} +0000",
            "GIT_COMMITTER_DATE": f"{_EPOCH} +0000",
        }
    )
    run_git(
        ["init", "-q", "--initial-branch=main", *(["--bare"] if bare else []), str(root)],
        cwd=str(root),
        env=env,
    )

    stream = _commit(
        "refs/heads/main", 1, f"synthetic: {packages * modules_per_package} modules", None
    )
    stream += [_modify(p, m, {}) for p in range(packages) for m in range(modules_per_package)]
    reserved = (
        spec.conflicting_pairs
        + spec.conflicts_with_main
        + spec.wide * (WIDE_PACKAGES * WIDE_FILES_PER_PACKAGE)
    )
    clean_cap = max(5, modules_per_package - -(-reserved // packages) - WIDE_FILES_PER_PACKAGE)
    allocator = _Allocator(packages, modules_per_package, min(clean_cap, modules_per_package))
    files: dict[str, tuple[str, ...]] = {}
    mark = itertools.count(3)  # :1 is main's first commit, :2 its second

    def branch(name: str, modules: list[tuple[int, int]], fn: int, tag: str) -> None:
        stream.extend(_commit(f"refs/heads/{name}", next(mark), f"synthetic: {name}", 1))
        stream.extend(_modify(p, m, {fn: f"value * 2 + {tag}"}) for p, m in modules)
        files[name] = tuple(module_path(p, m) for p, m in modules)

    clean = tuple(f"clean/{i:02d}" for i in range(spec.clean))
    for i, name in enumerate(clean):
        modules, round_ = allocator.take_clean(allocator.package(), 2 + i % 4)
        branch(name, modules, _CLEAN_FNS[round_], str(i + 1))

    pairs = tuple(
        (f"conflict/{j:02d}-a", f"conflict/{j:02d}-b") for j in range(spec.conflicting_pairs)
    )
    for first, second in pairs:
        shared = allocator.take(allocator.package(), 1)
        branch(first, shared, _PAIR_FN, "1")
        branch(second, shared, _PAIR_FN, "2")

    behind = tuple(f"main-conflict/{k:02d}" for k in range(spec.conflicts_with_main))
    main_edits: list[tuple[int, int]] = []
    for name in behind:
        modules = allocator.take(allocator.package(), 1)
        branch(name, modules, _MAIN_FN, "1")
        main_edits += modules

    wide = tuple(f"wide/{w:02d}" for w in range(spec.wide))
    for name in wide:
        modules = [
            module
            for _ in range(WIDE_PACKAGES)
            for module in allocator.take(allocator.package(), WIDE_FILES_PER_PACKAGE)
        ]
        branch(name, modules, _WIDE_FN, "3")

    if main_edits:
        # Main moves after every branch forked: the same line, a different edit.
        stream += _commit("refs/heads/main", 2, "synthetic: main moves on", 1)
        stream += [_modify(p, m, {_MAIN_FN: "value - 1"}) for p, m in main_edits]
        files["main"] = tuple(module_path(p, m) for p, m in main_edits)
    stream.append(b"done\n")

    with tempfile.TemporaryDirectory(prefix="converge-synthetic-") as scratch:
        marks = os.path.join(scratch, "marks")
        run_git(
            ["fast-import", "--quiet", "--done", f"--export-marks={marks}"],
            cwd=str(root),
            env=env,
            stdin=b"".join(stream),
        )
        shas = dict(line.split() for line in Path(marks).read_text().splitlines())
    if not bare:
        run_git(["reset", "-q", "--hard"], cwd=str(root), env=env)

    return SyntheticRepo(
        path=root,
        bare=bare,
        main_sha=shas[":2"] if main_edits else shas[":1"],
        fork_sha=shas[":1"],
        clean=clean,
        conflicting_pairs=pairs,
        conflicts_with_main=behind,
        wide=wide,
        files=files,
    )
