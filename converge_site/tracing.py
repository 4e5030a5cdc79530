"""OpenTelemetry tracing, on only when an OTLP endpoint is configured.

``configure_tracing()`` runs once per server process before the WSGI application loads (the
Django instrumentation inserts its middleware); code marks its steps with
:func:`interfaces.tracing.span`.
"""

from __future__ import annotations

import logging

from django.conf import settings

from converge_site import envvars
from interfaces.tracing import tracer_install, tracer_installed

logger = logging.getLogger("converge.tracing")


def configure_tracing(service_name: str = "converge-api") -> bool:
    """Install the tracer provider, the OTLP/HTTP exporter and the Django instrumentation.

    Returns whether tracing is on. The exporter reads the standard ``OTEL_*`` variables.
    """
    if tracer_installed():
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
    tracer_install(trace.get_tracer("converge"))
    logger.info("tracing on: service %s", name)
    return True
