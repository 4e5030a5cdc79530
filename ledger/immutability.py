"""ORM-level protection of the append-only event log.

Updates and deletes of events are refused unless a service opens one of the two narrow
windows below: filling in missing hashes (``audit init-chain``) or pruning (``audit prune``).
On PostgreSQL a trigger enforces the same rules for any client.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db import models

_allowed: ContextVar[str | None] = ContextVar("converge_event_writes", default=None)


class ImmutableEventError(RuntimeError):
    """An attempt to modify or delete an event outside the prune and backfill services."""


def event_writes_allowed() -> bool:
    return _allowed.get() is not None


@contextmanager
def allow_event_writes(reason: str) -> Iterator[None]:
    """Open a write window for the prune or hash-backfill service only."""
    token = _allowed.set(reason)
    try:
        yield
    finally:
        _allowed.reset(token)


class EventQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        if not event_writes_allowed():
            raise ImmutableEventError("events are append-only: queryset update refused")
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        if not event_writes_allowed():
            raise ImmutableEventError("events are append-only: queryset delete refused")
        return super().delete()
