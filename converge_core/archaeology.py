"""History analysis: hotspots, co-change coupling and bus factor from commits.

Pairing is quadratic in a commit's size, so commits touching more than
``MAX_FILES_PER_COMMIT`` files (renames, vendoring) are left out of coupling. Only pairs seen
together at least ``MIN_CO_CHANGES`` times count as coupling.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

MAX_FILES_PER_COMMIT = 50
MIN_CO_CHANGES = 2
COUPLING_LIMIT = 50
HOTSPOT_MIN_CHANGES = 10


@dataclass(frozen=True)
class Commit:
    author_name: str
    author_email: str
    files: tuple[str, ...]


def _pairs(file_sets: Iterable[Sequence[str]]) -> Counter[tuple[str, str]]:
    counts: Counter[tuple[str, str]] = Counter()
    for files in file_sets:
        unique = sorted(set(files))
        if len(unique) > MAX_FILES_PER_COMMIT:
            continue
        counts.update(combinations(unique, 2))
    return counts


def coupling_pairs(
    file_sets: Iterable[Sequence[str]], *, source: str, limit: int = COUPLING_LIMIT
) -> list[dict[str, Any]]:
    """Top co-changed pairs (at least ``MIN_CO_CHANGES``) as ``{file_a, file_b, co_changes}``."""
    ranked = sorted(
        ((pair, n) for pair, n in _pairs(file_sets).items() if n >= MIN_CO_CHANGES),
        key=lambda item: (-item[1], item[0]),
    )
    return [
        {"file_a": a, "file_b": b, "co_changes": n, "source": source}
        for (a, b), n in ranked[:limit]
    ]


def merge_coupling(
    history: list[dict[str, Any]], linked: list[dict[str, Any]], limit: int = COUPLING_LIMIT
) -> list[dict[str, Any]]:
    """Sum pairs found in both sources (marked ``hybrid``) and keep the strongest."""
    merged: dict[tuple[str, str], dict[str, Any]] = {}
    for pair in [*history, *linked]:
        key = (pair["file_a"], pair["file_b"])
        if key in merged:
            merged[key] = {
                **merged[key],
                "co_changes": merged[key]["co_changes"] + pair["co_changes"],
                "source": "hybrid",
            }
        else:
            merged[key] = dict(pair)
    ranked = sorted(merged.values(), key=lambda p: (-p["co_changes"], p["file_a"], p["file_b"]))
    return ranked[:limit]


def analyse(commits: Sequence[Commit], *, top: int = 20) -> dict[str, Any]:
    """The history report: hotspots, coupling, authors and bus factor."""
    if not commits:
        return {"error": "No git history available", "commits_analyzed": 0}
    changes: Counter[str] = Counter(path for commit in commits for path in set(commit.files))
    by_author: dict[str, dict[str, Any]] = {}
    for commit in commits:
        key = commit.author_email.lower() or commit.author_name
        entry = by_author.setdefault(
            key,
            {
                "author": commit.author_name,
                "email": commit.author_email,
                "commits": 0,
                "files": set(),
            },
        )
        entry["commits"] += 1
        entry["files"].update(commit.files)
    authors = sorted(by_author.values(), key=lambda a: (-a["commits"], a["author"]))
    threshold = 0.05 * len(commits)
    return {
        "commits_analyzed": len(commits),
        "hotspots": [
            {"file": path, "changes": n}
            for path, n in sorted(changes.items(), key=lambda i: (-i[1], i[0]))[:top]
        ],
        "hotspot_set": sorted(p for p, n in changes.items() if n >= HOTSPOT_MIN_CHANGES),
        "coupling": coupling_pairs((c.files for c in commits), source="git-log", limit=top),
        "authors": [
            {
                "author": a["author"],
                "email": a["email"],
                "commits": a["commits"],
                "files_touched": len(a["files"]),
            }
            for a in authors[:top]
        ],
        "bus_factor": max(1, sum(1 for a in authors if a["commits"] >= threshold)),
    }


def report_issues(report: dict[str, Any]) -> list[str]:
    """What makes a report unusable as a snapshot."""
    issues = []
    if not report.get("commits_analyzed"):
        issues.append("Zero commits analyzed")
    if not report.get("hotspots"):
        issues.append("No hotspots found")
    if not report.get("authors"):
        issues.append("No authors found")
    if not report.get("bus_factor"):
        issues.append("Bus factor is zero")
    return issues
