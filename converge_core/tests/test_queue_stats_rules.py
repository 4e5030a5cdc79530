"""Percentiles, gates of block reasons and the check and batch figures of the analytics."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from converge_core.errors import InvalidInput
from converge_core.queuestats import (
    batch_figures,
    block_gate,
    check_figures,
    parse_since,
    percentile,
    reason_headline,
)


def test_nearest_rank_percentiles_are_measured_values() -> None:
    assert percentile([], 0.5) is None
    assert percentile([4, 1, 3, 2], 0.5) == 2
    assert percentile([4, 1, 3, 2], 0.95) == 4
    assert percentile([7], 0.95) == 7
    assert percentile(list(range(1, 101)), 0.95) == 95


@pytest.mark.parametrize(
    ("reason", "gate"),
    [
        ("Checks failed on the merged tree abc: ['lint']\nFAIL", "batch_checks"),
        ("Checks failed: ['lint']", "checks"),
        ("Merge conflicts: a.py", "conflicts"),
        ("Conflicts with x ahead in the queue (a.py)", "speculative_conflict"),
        ("Policy blocked: entropy", "policy"),
        ("Max retries (3) exceeded", "retries"),
        ("Dependency rejected: x", "dependencies"),
        ("something new", "other"),
        (None, "other"),
    ],
)
def test_block_reasons_map_to_their_gate(reason: str | None, gate: str) -> None:
    assert block_gate(reason) == gate


def test_a_headline_drops_the_output() -> None:
    assert reason_headline("Checks failed: ['lint']\nFAIL: x") == "Checks failed: ['lint']"
    assert reason_headline(None) == ""


def test_check_figures_count_flaky_verdicts_and_durations() -> None:
    figures = check_figures(
        [
            {
                "check_type": "lint",
                "status": "passed",
                "duration_ms": 1000,
                "flaky": True,
                "attempts": 2,
            },
            {"check_type": "lint", "status": "passed", "duration_ms": 3000},
            {"check_type": "lint", "status": "failed", "duration_ms": 2000},
            {"check_type": "unit", "status": "passed", "duration_ms": 500},
        ]
    )

    assert figures["lint"] == {
        "runs": 3,
        "attempts": 4,
        "failed": 1,
        "flaky": 1,
        "flaky_rate": 0.3333,
        "duration_seconds": {"count": 3, "p50": 2.0, "p95": 3.0},
    }
    assert figures["unit"]["flaky_rate"] == 0.0


def test_batch_figures_separate_batches_from_bisection_steps() -> None:
    figures = batch_figures(
        [
            {"size": 4, "outcome": "failed"},
            {"size": 2, "outcome": "passed", "bisecting": True},
            {"size": 4, "outcome": "passed"},
            {"size": 1, "outcome": "passed"},
        ]
    )

    assert figures == {
        "batches": 3,
        "by_size": {"1": {"passed": 1, "failed": 0}, "4": {"passed": 1, "failed": 1}},
        "bisection_tests": 1,
    }


def test_since_is_a_timestamp_or_a_span_back_from_now() -> None:
    now = datetime(2026, 12, 4, 12, tzinfo=UTC)

    assert parse_since("24h", now) == now - timedelta(hours=24)
    assert parse_since("7d", now) == now - timedelta(days=7)
    assert parse_since("30m", now) == now - timedelta(minutes=30)
    assert parse_since("2026-12-01T00:00:00Z", now) == datetime(2026, 12, 1, tzinfo=UTC)
    assert parse_since("2026-12-01", now) == datetime(2026, 12, 1, tzinfo=UTC)
    with pytest.raises(InvalidInput):
        parse_since("yesterday", now)
