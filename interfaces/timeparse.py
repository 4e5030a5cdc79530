"""ISO-8601 instants given on a command line or in a query: naive values are UTC."""

from __future__ import annotations

from datetime import UTC, datetime

from django.utils.dateparse import parse_datetime

from converge_core.errors import InvalidInput


def parse_instant(value: str | None, *, field: str) -> datetime | None:
    """``None`` stays ``None``; text must be an ISO-8601 timestamp (no offset = UTC)."""
    if value is None:
        return None
    try:
        parsed = parse_datetime(value)
    except ValueError:
        parsed = None
    if parsed is None:
        raise InvalidInput(f"{field} must be an ISO-8601 timestamp, got {value!r}", field=field)
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)
