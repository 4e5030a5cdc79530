"""Priority aging, queue order, freeze windows and the ETA, over plain values."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from converge_core.queuetime import (
    QueueEntry,
    QueueRates,
    active_freeze,
    effective_priority,
    eta_seconds,
    parse_freeze,
    parse_freezes,
    queue_order,
)

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)  # a Friday


@pytest.mark.parametrize(
    ("priority", "waited_minutes", "aging", "expected"),
    [
        (5, 0, 60, 5),
        (5, 59, 60, 5),
        (5, 60, 60, 4),
        (5, 239, 60, 2),
        (5, 240, 60, 1),
        (5, 10_000, 60, 1),
        (1, 10_000, 60, 1),
        (4, 10_000, 0, 4),
    ],
)
def test_effective_priority_drops_one_per_aging_period_down_to_one(
    priority: int, waited_minutes: int, aging: int, expected: int
) -> None:
    assert effective_priority(priority, waited_minutes * 60, aging) == expected


def test_every_priority_reaches_one_and_never_goes_below() -> None:
    for priority in range(1, 6):
        for minutes in range(0, 600, 7):
            value = effective_priority(priority, minutes * 60, 60)
            assert 1 <= value <= priority
        assert effective_priority(priority, (priority - 1) * 3600, 60) == 1


def test_an_old_low_priority_intent_overtakes_new_urgent_ones() -> None:
    old = QueueEntry("old-p5", 5, NOW - timedelta(hours=5))
    fresh = QueueEntry("new-p1", 1, NOW - timedelta(minutes=1))
    mid = QueueEntry("mid-p3", 3, NOW - timedelta(minutes=30))

    assert queue_order([fresh, mid, old], NOW, 60) == ["old-p5", "new-p1", "mid-p3"]
    assert queue_order([fresh, mid, old], NOW, 0) == ["new-p1", "mid-p3", "old-p5"]


def test_a_jumped_intent_goes_first_whatever_its_priority() -> None:
    urgent = QueueEntry("urgent", 1, NOW - timedelta(hours=9))
    jumped = QueueEntry("hotfix", 5, NOW, jumped=True)

    assert queue_order([urgent, jumped], NOW, 60) == ["hotfix", "urgent"]


def _freeze(**document: object) -> object:
    freeze, problems = parse_freeze(0, {"reason": "release", **document})
    assert problems == []
    return freeze


def test_a_weekly_window_past_midnight_covers_the_evening_and_the_next_morning() -> None:
    freeze = _freeze(days=["fri"], start="18:00", end="08:00", timezone="Europe/Paris")
    paris = timedelta(hours=1)  # December: UTC+1

    assert not freeze.is_active(datetime(2026, 12, 4, 16, 59, tzinfo=UTC))  # fri 17:59
    assert freeze.is_active(datetime(2026, 12, 4, 17, 0, tzinfo=UTC))  # fri 18:00 Paris
    assert freeze.is_active(datetime(2026, 12, 5, 8, 0, tzinfo=UTC) - paris - timedelta(seconds=1))
    assert not freeze.is_active(datetime(2026, 12, 5, 7, 0, tzinfo=UTC))  # sat 08:00 Paris
    assert not freeze.is_active(datetime(2026, 12, 5, 20, 0, tzinfo=UTC))  # saturday evening


def test_a_same_day_window_and_a_one_off_window() -> None:
    weekly = _freeze(days=["mon", "fri"], start="09:00", end="17:00")
    one_off = _freeze(**{"from": "2026-12-24T00:00", "until": "2026-12-27T00:00"})

    assert weekly.is_active(NOW)
    assert not weekly.is_active(NOW + timedelta(days=1))
    assert one_off.is_active(datetime(2026, 12, 25, tzinfo=UTC))
    assert not one_off.is_active(NOW)


def test_active_freeze_honours_targets_and_the_exception_list() -> None:
    freezes, problems = parse_freezes(
        [
            {
                "name": "friday",
                "days": ["fri"],
                "start": "00:00",
                "end": "23:59",
                "reason": "no friday deploys",
                "targets": ["release"],
                "except": ["critical"],
            }
        ]
    )
    assert problems == []

    assert active_freeze(freezes, "main", NOW) is None
    freeze = active_freeze(freezes, "release", NOW)
    assert freeze is not None and freeze.reason == "no friday deploys"
    assert freeze.allows("critical") and not freeze.allows("high")


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        ({"days": ["fri"], "start": "18:00", "end": "08:00"}, "reason must be a non-empty"),
        ({"reason": "x", "days": ["fry"], "start": "1:00", "end": "2:00"}, "unknown day"),
        ({"reason": "x", "days": ["fri"], "start": "25:00", "end": "2:00"}, "local time"),
        ({"reason": "x"}, "needs either days/start/end or from/until"),
        ({"reason": "x", "from": "2026-01-02", "until": "2026-01-01"}, "until must be after"),
        (
            {
                "reason": "x",
                "timezone": "Mars/Olympus",
                "from": "2026-01-01",
                "until": "2026-01-02",
            },
            "unknown time zone",
        ),
        (
            {"reason": "x", "days": ["fri"], "start": "1:00", "end": "2:00", "when": 1},
            "unknown key 'when'",
        ),
    ],
)
def test_invalid_freezes_are_reported(document: dict[str, object], problem: str) -> None:
    freeze, problems = parse_freeze(0, document)

    assert freeze is None
    assert any(problem in found for found in problems), problems


def test_eta_counts_batches_of_the_window_and_the_bisections_of_red_ones() -> None:
    green = QueueRates(window=4, check_seconds=10.0)
    red = QueueRates(window=4, check_seconds=10.0, red_share=0.5)

    assert eta_seconds(1, green) == 10.0
    assert eta_seconds(4, green) == 10.0
    assert eta_seconds(5, green) == 20.0
    assert eta_seconds(5, red) == 2 * (1 + 0.5 * 4) * 10.0
    assert eta_seconds(3, QueueRates(window=1, check_seconds=2.0, red_share=1.0)) == 6.0


def test_eta_falls_back_on_the_merge_rate_and_is_unknown_without_data() -> None:
    assert eta_seconds(6, QueueRates(window=4, check_seconds=None, merges_per_hour=12)) == 1800
    assert eta_seconds(6, QueueRates(window=4, check_seconds=None)) is None
    assert eta_seconds(0, QueueRates(window=4, check_seconds=1.0)) is None
