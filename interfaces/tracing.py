"""Tracing spans: ``span()`` lets any code mark a step; it costs nothing while tracing is off.

``converge_site.tracing.configure_tracing()`` installs the tracer once per server process when
an OTLP endpoint is configured.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_tracer: Any = None


def tracer_install(tracer: Any) -> None:
    """Make ``span()`` record through ``tracer`` (an OpenTelemetry tracer)."""
    global _tracer
    _tracer = tracer


def tracer_installed() -> bool:
    return _tracer is not None


@contextmanager
def span(name: str, **attributes: Any) -> Iterator[Any]:
    """A span named ``name`` with ``converge.<key>`` attributes (``None`` values dropped);
    a no-op yielding ``None`` while tracing is off."""
    if _tracer is None:
        yield None
        return
    values = {f"converge.{key}": value for key, value in attributes.items() if value is not None}
    with _tracer.start_as_current_span(name, attributes=values) as current:
        yield current
