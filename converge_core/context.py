"""The trace id of the work in progress, shared by every event it writes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from converge_core.ids import new_trace_id

_current_trace: ContextVar[str | None] = ContextVar("converge_trace_id", default=None)


def current_trace_id() -> str | None:
    return _current_trace.get()


@contextmanager
def trace_scope(trace_id: str | None = None) -> Iterator[str]:
    """Run a block under one trace id: the given one, else the enclosing scope's (an HTTP
    request's ``X-Trace-Id``), else a fresh one."""
    value = trace_id or current_trace_id() or new_trace_id()
    token = _current_trace.set(value)
    try:
        yield value
    finally:
        _current_trace.reset(token)
