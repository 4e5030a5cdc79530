"""Time in the merge queue: effective priority with aging, scheduled freezes, position and ETA.

**Priority with aging.** Priorities run from 1 (most urgent) to 5. An intent's effective
priority is its priority minus one for every full ``aging_minutes`` it has waited since it was
created, never below 1: ``max(1, priority - floor(waited / aging))``. The queue orders by
(jumped first, effective priority, creation time, id), so a priority-5 intent competes with
the urgent ones after four aging periods and, being older, goes first among them: nothing
starves. ``aging_minutes: 0`` turns aging off.

**Freezes.** ``queue.freezes`` in the policy lists windows during which a target does not
merge (it keeps validating): weekly windows (``days`` with ``start``/``end`` local times, an
``end`` at or before ``start`` runs past midnight) or one-off ones (``from``/``until`` ISO
timestamps), each in its ``timezone``, with a ``reason``, optional ``targets`` (default every
target) and ``except`` (risk levels still allowed to merge, e.g. ``["critical"]`` for fixes).

**ETA.** A waiting intent at position P (1-based) of a target whose batch window is K needs
``ceil(P / K)`` batches; a batch costs one tree test plus, when red, its bisection (about
``2·log2 K`` more tests), weighted by the measured share of red batches; each test takes the
measured mean duration of a tree's checks. Without measured checks the merge rate of the last
24 hours gives ``P / rate``; without either there is no ETA.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MIN_PRIORITY, MAX_PRIORITY = 1, 5
DAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
FREEZE_KEYS: tuple[str, ...] = (
    "name",
    "days",
    "start",
    "end",
    "from",
    "until",
    "timezone",
    "reason",
    "targets",
    "except",
)


def effective_priority(priority: int, waited_seconds: float, aging_minutes: float) -> int:
    """``max(1, priority - floor(waited / aging))``; aging off when ``aging_minutes <= 0``."""
    if aging_minutes <= 0 or waited_seconds <= 0:
        return priority
    steps = int(waited_seconds // (aging_minutes * 60))
    return max(MIN_PRIORITY, priority - steps)


@dataclass(frozen=True)
class QueueEntry:
    intent_id: str
    priority: int
    created_at: datetime
    jumped: bool = False


def queue_order(entries: Sequence[QueueEntry], now: datetime, aging_minutes: float) -> list[str]:
    """Ids in queue order: jumped first, then effective priority, creation time and id."""

    def key(entry: QueueEntry) -> tuple[int, int, datetime, str]:
        waited = (now - entry.created_at).total_seconds()
        return (
            0 if entry.jumped else 1,
            effective_priority(entry.priority, waited, aging_minutes),
            entry.created_at,
            entry.intent_id,
        )

    return [entry.intent_id for entry in sorted(entries, key=key)]


@dataclass(frozen=True)
class Freeze:
    """One scheduled freeze window of the policy."""

    name: str
    reason: str
    timezone: str = "UTC"
    days: tuple[str, ...] = ()
    start: time | None = None
    end: time | None = None
    starts_at: datetime | None = None  # one-off window
    ends_at: datetime | None = None
    targets: tuple[str, ...] = ()  # empty: every target
    allowed_levels: tuple[str, ...] = ()

    def applies_to(self, target: str) -> bool:
        return not self.targets or target in self.targets

    def allows(self, risk_level: str) -> bool:
        return risk_level in self.allowed_levels

    def is_active(self, now: datetime) -> bool:
        """Whether ``now`` (aware) falls inside the window."""
        local = now.astimezone(ZoneInfo(self.timezone))
        if self.starts_at is not None and self.ends_at is not None:
            return self.starts_at <= now < self.ends_at
        if self.start is None or self.end is None:
            return False
        clock = local.time().replace(tzinfo=None)
        today = DAYS[local.weekday()]
        if self.start < self.end:
            return today in self.days and self.start <= clock < self.end
        # runs past midnight: the evening of a listed day or the morning after one
        yesterday = DAYS[(local - timedelta(days=1)).weekday()]
        return (today in self.days and clock >= self.start) or (
            yesterday in self.days and clock < self.end
        )

    def to_payload(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "reason": self.reason,
            "timezone": self.timezone,
            "except": list(self.allowed_levels),
        }


def _parse_clock(value: object, label: str, problems: list[str]) -> time | None:
    try:
        return time.fromisoformat(str(value))
    except ValueError:
        problems.append(f"{label} must be a local time HH:MM, got {value!r}")
        return None


def _parse_instant(value: object, label: str, zone: str, problems: list[str]) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        problems.append(f"{label} must be an ISO timestamp, got {value!r}")
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=ZoneInfo(zone))


def _names(value: object, label: str, problems: list[str]) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
        problems.append(f"{label} must be a list of names, got {value!r}")
        return ()
    return tuple(value)


def parse_freeze(index: int, document: object) -> tuple[Freeze | None, list[str]]:
    """One entry of ``queue.freezes`` and its problems (``None`` when it has any)."""
    label = f"queue.freezes[{index}]"
    if not isinstance(document, Mapping):
        return None, [f"{label} must be an object, got {document!r}"]
    problems = [f"{label}: unknown key {key!r}" for key in document if key not in FREEZE_KEYS]
    reason = document.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        problems.append(f"{label}.reason must be a non-empty string")
    zone = str(document.get("timezone", "UTC"))
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(f"{label}.timezone: unknown time zone {zone!r}")
        zone = "UTC"
    days = _names(document.get("days"), f"{label}.days", problems)
    unknown_days = [day for day in days if day not in DAYS]
    if unknown_days:
        problems.append(f"{label}.days: unknown day(s) {unknown_days} (expected {list(DAYS)})")
    weekly = "start" in document or "end" in document or bool(days)
    one_off = "from" in document or "until" in document
    start = end = starts_at = ends_at = None
    if weekly == one_off:
        problems.append(f"{label} needs either days/start/end or from/until")
    elif weekly:
        if not days:
            problems.append(f"{label}.days must list at least one day")
        start = _parse_clock(document.get("start"), f"{label}.start", problems)
        end = _parse_clock(document.get("end"), f"{label}.end", problems)
    else:
        starts_at = _parse_instant(document.get("from"), f"{label}.from", zone, problems)
        ends_at = _parse_instant(document.get("until"), f"{label}.until", zone, problems)
        if starts_at and ends_at and ends_at <= starts_at:
            problems.append(f"{label}: until must be after from")
    targets = _names(document.get("targets"), f"{label}.targets", problems)
    allowed = _names(document.get("except"), f"{label}.except", problems)
    if problems:
        return None, problems
    return (
        Freeze(
            name=str(document.get("name") or f"freeze {index + 1}"),
            reason=str(reason).strip(),
            timezone=zone,
            days=days,
            start=start,
            end=end,
            starts_at=starts_at,
            ends_at=ends_at,
            targets=targets,
            allowed_levels=allowed,
        ),
        [],
    )


def parse_freezes(document: object) -> tuple[list[Freeze], list[str]]:
    """Every freeze of ``queue.freezes`` and every problem met."""
    if not isinstance(document, list):
        return [], [f"queue.freezes must be a list, got {document!r}"]
    freezes, problems = [], []
    for index, entry in enumerate(document):
        freeze, found = parse_freeze(index, entry)
        problems += found
        if freeze is not None:
            freezes.append(freeze)
    return freezes, problems


def active_freeze(freezes: Sequence[Freeze], target: str, now: datetime) -> Freeze | None:
    """The first freeze in force on ``target`` at ``now``."""
    return next(
        (freeze for freeze in freezes if freeze.applies_to(target) and freeze.is_active(now)),
        None,
    )


@dataclass(frozen=True)
class QueueRates:
    """What the ETA is computed from (measured over the ledger's recent events)."""

    window: int
    check_seconds: float | None  # mean duration of one tree's checks
    red_share: float = 0.0  # share of batches that failed
    merges_per_hour: float | None = None  # merges of the last 24 h, per hour


def eta_seconds(position: int, rates: QueueRates) -> float | None:
    """Seconds until the intent at ``position`` (1-based) merges, or ``None`` if unknown."""
    if position < 1:
        return None
    window = max(1, rates.window)
    if rates.check_seconds is not None:
        batches = math.ceil(position / window)
        bisection = 2 * math.ceil(math.log2(window)) if window > 1 else 0
        tests_per_batch = 1 + min(1.0, max(0.0, rates.red_share)) * bisection
        return batches * tests_per_batch * rates.check_seconds
    if rates.merges_per_hour:
        return position / rates.merges_per_hour * 3600
    return None
