"""Figures of the merge queue's failure analytics, over plain values.

Percentiles are nearest-rank (``p50`` of ``[1, 2, 3, 4]`` is 2): every figure shown is a
duration that was measured. A block's gate is read from its reason, the first word of which
each gate writes in a fixed form (``Checks failed``, ``Merge conflicts``, ``Policy blocked`` …).
A check's flaky rate is the share of its tree verdicts that needed a re-run to pass.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from converge_core.errors import InvalidInput

_RELATIVE = re.compile(r"^(\d{1,5})\s*([mhdw])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}

# reason prefix -> gate, the first match wins
GATES: tuple[tuple[str, str], ...] = (
    ("Checks failed on the merged tree", "batch_checks"),
    ("Checks failed", "checks"),
    ("Merge conflicts", "conflicts"),
    ("Conflicts with", "speculative_conflict"),
    ("Policy blocked", "policy"),
    ("Max retries", "retries"),
    ("Dependency", "dependencies"),
    ("Unmet dependencies", "dependencies"),
    ("Risk", "risk"),
)


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """Nearest-rank percentile (``fraction`` in (0, 1]); ``None`` for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def spread(values: Sequence[float]) -> dict[str, Any]:
    return {"count": len(values), "p50": percentile(values, 0.5), "p95": percentile(values, 0.95)}


def block_gate(reason: str | None) -> str:
    text = (reason or "").strip()
    for prefix, gate in GATES:
        if text.startswith(prefix):
            return gate
    return "other"


def reason_headline(reason: str | None) -> str:
    """The first line of a reason, without a check's output."""
    return (reason or "").strip().splitlines()[0][:200] if reason else ""


def check_figures(checks: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per check type, from the ``checks`` entries of tested trees: verdicts (``runs``), the
    runs they took (``attempts``, re-runs included), failures, flaky verdicts and their rate,
    durations p50/p95 (seconds)."""
    durations: dict[str, list[float]] = {}
    figures: dict[str, dict[str, Any]] = {}
    for check in checks:
        name = str(check.get("check_type"))
        entry = figures.setdefault(name, {"runs": 0, "attempts": 0, "failed": 0, "flaky": 0})
        entry["runs"] += 1
        entry["attempts"] += int(check.get("attempts") or 1)
        entry["failed"] += check.get("status") != "passed"
        entry["flaky"] += bool(check.get("flaky"))
        durations.setdefault(name, []).append(float(check.get("duration_ms") or 0) / 1000)
    for name, entry in figures.items():
        entry["flaky_rate"] = round(entry["flaky"] / entry["runs"], 4)
        entry["duration_seconds"] = spread(durations[name])
    return figures


def batch_figures(tests: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Batches (tests that are not bisection steps) by size and outcome, and how many tree
    tests the bisections added."""
    by_size: dict[str, dict[str, int]] = {}
    batches = bisection_tests = 0
    for test in tests:
        if test.get("bisecting"):
            bisection_tests += 1
            continue
        batches += 1
        row = by_size.setdefault(str(test.get("size")), {"passed": 0, "failed": 0})
        row["passed" if test.get("outcome") == "passed" else "failed"] += 1
    return {
        "batches": batches,
        "by_size": dict(sorted(by_size.items(), key=lambda item: int(item[0]))),
        "bisection_tests": bisection_tests,
    }


def parse_since(value: str, now: datetime) -> datetime:
    """``--since``: an ISO-8601 timestamp (UTC when naive) or a span back from ``now``
    (``30m``, ``24h``, ``7d``, ``2w``)."""
    text = value.strip()
    relative = _RELATIVE.match(text)
    if relative:
        amount, unit = int(relative.group(1)), _UNITS[relative.group(2)]
        return now - timedelta(**{unit: amount})
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(
            f"since must be an ISO-8601 timestamp or a span like 24h or 7d, got {value!r}",
            field="since",
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
