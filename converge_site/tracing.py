"""OpenTelemetry tracing, on only when an OTLP endpoint is configured.

``configure_tracing()`` runs once per server process before the WSGI application loads (the
Django instrumentation inserts its middleware). ``span()`` lets any code mark a step; it
costs nothing while tracing is off.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings

from converge_site import envvars

logger = logging.getLogger("converge.tracing")

_tracer: Any = None


def configure_tracing(service_name: str = "converge-api") -> bool:
    """Install the tracer provider, the OTLP/HTTP exporter and the Django instrumentation.

    Returns whether tracing is on. The exporter reads the standard ``OTEL_*`` variables.
    """
    global _tracer
    if _tracer is not None:
        return True
    if not settings.CONVERGE_TRACING_ENABLED:
        return False
    from opentelemetry import trace
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.instrumentation.django import DjangoInstrumentor
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    name = envvars.value("OTEL_SERVICE_NAME") or service_name
    provider = TracerProvider(resource=Resource.create({"service.name": name}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    DjangoInstrumentor().instrument()
    _tracer = trace.get_tracer("converge")
    logger.info("tracing on: service %s", name)
    return True


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
