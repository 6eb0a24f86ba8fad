"""OpenTelemetry set-up. Traces are exported with OTLP when OTEL_EXPORTER_OTLP_ENDPOINT
is set and are otherwise off. The trace context of the request that caused an event
travels in the envelope's `traceparent`, so relay and consumers continue the trace."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from opentelemetry import context, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

_propagator = TraceContextTextMapPropagator()
_configured = False


def setup(service: str, processor: SpanProcessor | None = None) -> bool:
    """Install a tracer provider for this process. Returns whether tracing is on."""
    global _configured
    if _configured:
        return True
    if processor is None:
        if not os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
            return False
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        processor = BatchSpanProcessor(OTLPSpanExporter())
    provider = TracerProvider(resource=Resource.create({"service.name": service}))
    provider.add_span_processor(processor)
    trace.set_tracer_provider(provider)
    from opentelemetry.instrumentation.pymongo import PymongoInstrumentor

    PymongoInstrumentor().instrument()
    _configured = True
    return True


def instrument_flask(app) -> None:  # type: ignore[no-untyped-def]
    if _configured:
        from opentelemetry.instrumentation.flask import FlaskInstrumentor

        FlaskInstrumentor().instrument_app(app)


def tracer(name: str) -> trace.Tracer:
    return trace.get_tracer(name)


def current_traceparent() -> str | None:
    carrier: dict[str, str] = {}
    _propagator.inject(carrier)
    return carrier.get("traceparent")


@contextmanager
def continued(traceparent: str | None, name: str, kind: trace.SpanKind, **attributes: str) -> Iterator[None]:
    """Run a span as a child of the trace an envelope carries."""
    parent = _propagator.extract({"traceparent": traceparent} if traceparent else {})
    token = context.attach(parent)
    try:
        with trace.get_tracer("kernel").start_as_current_span(name, kind=kind, attributes=attributes):
            yield
    finally:
        context.detach(token)
