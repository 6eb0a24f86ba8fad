"""OpenTelemetry set-up. Traces are exported with OTLP when OTEL_EXPORTER_OTLP_ENDPOINT
is set and are otherwise off. The trace context of the request that caused an event
travels in the envelope's `traceparent`, so relay and consumers continue the trace.
Every span leaves the process redacted (kernel.privacy.redaction): the instrumentations record
the request's target and URL (a tracking or sign-in link among them), so its name, its
attributes and its events' attributes lose their credentials before any export."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from opentelemetry import context, trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import Event, ReadableSpan, Span, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from kernel.privacy.redaction import redact, redact_value

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
    provider.add_span_processor(Redacting(processor))
    trace.set_tracer_provider(provider)
    from opentelemetry.instrumentation.pymongo import PymongoInstrumentor

    PymongoInstrumentor().instrument()
    _configured = True
    return True


class Redacting(SpanProcessor):
    """Hands the processor it wraps (the exporting one) each ended span with its
    credentials cut out of its name, attributes and events."""

    def __init__(self, processor: SpanProcessor) -> None:
        self.processor = processor

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        self.processor.on_start(span, parent_context)

    def on_end(self, span: ReadableSpan) -> None:
        self.processor.on_end(redacted(span))

    def shutdown(self) -> None:
        self.processor.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self.processor.force_flush(timeout_millis)


def redacted(span: ReadableSpan) -> ReadableSpan:
    def clean(attributes: object) -> dict:
        return {k: redact_value(v) for k, v in dict(attributes or {}).items()}  # type: ignore[call-overload]

    return ReadableSpan(
        name=redact(span.name),
        context=span.context,
        parent=span.parent,
        resource=span.resource,
        attributes=clean(span.attributes),
        events=[Event(e.name, clean(e.attributes), e.timestamp) for e in span.events],
        links=span.links,
        kind=span.kind,
        status=span.status,
        start_time=span.start_time,
        end_time=span.end_time,
        instrumentation_scope=span.instrumentation_scope,
    )


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
